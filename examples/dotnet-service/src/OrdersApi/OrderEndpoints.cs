namespace OrdersApi;

public static class OrderEndpoints
{
    public static IEndpointRouteBuilder MapOrders(this IEndpointRouteBuilder routes)
    {
        var orders = routes.MapGroup("/orders");

        orders.MapPost("/", async (CreateOrderRequest request, IOrderStore store, TimeProvider clock, CancellationToken ct) =>
        {
            var errors = OrderValidation.Validate(request);
            if (errors.Count > 0)
            {
                return Results.ValidationProblem(errors);
            }

            var order = new Order(Guid.NewGuid().ToString("n"), request.CustomerId!.Trim(), request.Lines!, clock.GetUtcNow());
            await store.SaveAsync(order, ct);
            return Results.Created($"/orders/{order.Id}", order);
        });

        orders.MapGet("/{id}", async (string id, IOrderStore store, CancellationToken ct) =>
            await store.FindAsync(id, ct) is { } order ? Results.Ok(order) : Results.NotFound());

        return routes;
    }
}
