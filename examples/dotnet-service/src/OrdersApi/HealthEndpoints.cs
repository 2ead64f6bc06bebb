using System.Reflection;

namespace OrdersApi;

public static class HealthEndpoints
{
    public const string Path = "/health";

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        var version = Assembly.GetExecutingAssembly()
            .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        var environment = Environment.GetEnvironmentVariable("ENVIRONMENT") ?? "local";

        routes.MapGet(Path, () => Results.Ok(new HealthResponse("ok", version, environment)));
        return routes;
    }
}

public sealed record HealthResponse(string Status, string Version, string Environment);
