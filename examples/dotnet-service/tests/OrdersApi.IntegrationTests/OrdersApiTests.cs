using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace OrdersApi.IntegrationTests;

public class OrdersApiTests(DeployedService service) : IClassFixture<DeployedService>
{
    [Fact]
    public async Task Health_is_ok()
    {
        using var response = await service.Client.GetAsync("health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("ok", body.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_order_round_trips_through_the_table()
    {
        var customerId = $"it-{Guid.NewGuid():n}";
        using var created = await service.Client.PostAsJsonAsync("orders", new
        {
            customerId,
            lines = new[] { new { sku = "SKU-IT", quantity = 2 } },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        using var read = await service.Client.GetAsync(created.Headers.Location!.ToString().TrimStart('/'));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        using var order = JsonDocument.Parse(await read.Content.ReadAsStringAsync());
        Assert.Equal(customerId, order.RootElement.GetProperty("customerId").GetString());
    }

    [Fact]
    public async Task An_invalid_order_is_refused()
    {
        using var response = await service.Client.PostAsJsonAsync("orders", new { customerId = "", lines = Array.Empty<object>() });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
