namespace OrdersApi.IntegrationTests;

/// <summary>
/// The deployed service under test. The pipeline's test action sets SERVICE_URL to the
/// environment's ApiUrl stack output; set it yourself to test any deployment.
/// </summary>
public sealed class DeployedService : IDisposable
{
    public const string UrlVariable = "SERVICE_URL";

    public DeployedService()
    {
        var url = Environment.GetEnvironmentVariable(UrlVariable);
        if (string.IsNullOrWhiteSpace(url))
        {
            throw new InvalidOperationException($"{UrlVariable} is not set: point it at the deployed API, e.g. https://abc123.execute-api.eu-west-1.amazonaws.com");
        }

        Client = new HttpClient { BaseAddress = new Uri(url.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(15) };
    }

    public HttpClient Client { get; }

    public void Dispose() => Client.Dispose();
}
