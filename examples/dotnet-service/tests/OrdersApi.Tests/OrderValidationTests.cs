using OrdersApi;

namespace OrdersApi.Tests;

public class OrderValidationTests
{
    [Fact]
    public void A_complete_order_is_valid()
    {
        var request = new CreateOrderRequest("customer-1", [new OrderLine("SKU-1", 2)]);

        Assert.Empty(OrderValidation.Validate(request));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void A_customer_id_is_required(string? customerId)
    {
        var errors = OrderValidation.Validate(new CreateOrderRequest(customerId, [new OrderLine("SKU-1", 1)]));

        Assert.Contains("customerId", errors.Keys);
    }

    [Fact]
    public void An_order_needs_lines()
    {
        var errors = OrderValidation.Validate(new CreateOrderRequest("customer-1", []));

        Assert.Equal(["An order needs at least one line."], errors["lines"]);
    }

    [Fact]
    public void Each_bad_line_is_named()
    {
        var request = new CreateOrderRequest("customer-1", [new OrderLine("SKU-1", 1), new OrderLine("", 1), new OrderLine("SKU-3", 0)]);

        var errors = OrderValidation.Validate(request);

        Assert.Equal(
            ["Line 2 needs a SKU and a positive quantity.", "Line 3 needs a SKU and a positive quantity."],
            errors["lines"]);
    }

    [Fact]
    public void Too_many_lines_are_refused()
    {
        var lines = Enumerable.Range(0, OrderValidation.MaxLines + 1).Select(i => new OrderLine($"SKU-{i}", 1)).ToList();

        Assert.Contains("lines", OrderValidation.Validate(new CreateOrderRequest("customer-1", lines)).Keys);
    }

    [Fact]
    public void Total_quantity_adds_up_the_lines()
    {
        var order = new Order("o-1", "customer-1", [new OrderLine("A", 2), new OrderLine("B", 3)], DateTimeOffset.UnixEpoch);

        Assert.Equal(5, order.TotalQuantity);
    }
}
