using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrdersApi;

namespace OrdersApi.Tests;

/// <summary>The HTTP surface, hosted in memory with a fake store instead of DynamoDB.</summary>
public class OrderEndpointsTests(OrderEndpointsTests.App app) : IClassFixture<OrderEndpointsTests.App>
{
    public sealed class App : WebApplicationFactory<Program>
    {
        public InMemoryOrderStore Store { get; } = new();

        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder) =>
            builder.ConfigureServices(services => services.Replace(ServiceDescriptor.Singleton<IOrderStore>(Store)));
    }

    public sealed class InMemoryOrderStore : IOrderStore
    {
        private readonly ConcurrentDictionary<string, Order> _orders = new();

        public Task SaveAsync(Order order, CancellationToken cancellationToken)
        {
            _orders[order.Id] = order;
            return Task.CompletedTask;
        }

        public Task<Order?> FindAsync(string id, CancellationToken cancellationToken) =>
            Task.FromResult(_orders.TryGetValue(id, out var order) ? order : null);
    }

    [Fact]
    public async Task Health_reports_ok()
    {
        var health = await app.CreateClient().GetFromJsonAsync<HealthResponse>(HealthEndpoints.Path);

        Assert.Equal("ok", health?.Status);
    }

    [Fact]
    public async Task A_created_order_can_be_read_back()
    {
        var client = app.CreateClient();

        var created = await client.PostAsJsonAsync("/orders", new CreateOrderRequest("customer-7", [new OrderLine("SKU-9", 3)]));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var order = await created.Content.ReadFromJsonAsync<Order>();

        var read = await client.GetFromJsonAsync<Order>(created.Headers.Location);
        Assert.Equal(order?.Id, read?.Id);
        Assert.Equal(3, read?.TotalQuantity);
    }

    [Fact]
    public async Task An_invalid_order_is_a_validation_problem()
    {
        var response = await app.CreateClient().PostAsJsonAsync("/orders", new CreateOrderRequest("", []));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<HttpValidationProblemDetails>();
        Assert.Contains("customerId", problem!.Errors.Keys);
        Assert.Contains("lines", problem.Errors.Keys);
    }

    [Fact]
    public async Task An_unknown_order_is_not_found()
    {
        var response = await app.CreateClient().GetAsync("/orders/does-not-exist");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
