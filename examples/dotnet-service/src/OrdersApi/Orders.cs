namespace OrdersApi;

public sealed record OrderLine(string Sku, int Quantity);

public sealed record CreateOrderRequest(string? CustomerId, IReadOnlyList<OrderLine>? Lines);

public sealed record Order(string Id, string CustomerId, IReadOnlyList<OrderLine> Lines, DateTimeOffset CreatedAt)
{
    public int TotalQuantity => Lines.Sum(line => line.Quantity);
}

public static class OrderValidation
{
    public const int MaxLines = 50;

    /// <summary>Problems with a create request, keyed by field; empty when it is valid.</summary>
    public static Dictionary<string, string[]> Validate(CreateOrderRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.CustomerId))
        {
            errors["customerId"] = ["A customer id is required."];
        }

        if (request.Lines is null || request.Lines.Count == 0)
        {
            errors["lines"] = ["An order needs at least one line."];
        }
        else if (request.Lines.Count > MaxLines)
        {
            errors["lines"] = [$"An order has at most {MaxLines} lines."];
        }
        else
        {
            var lineErrors = request.Lines
                .Select((line, index) => (line, index))
                .Where(x => string.IsNullOrWhiteSpace(x.line.Sku) || x.line.Quantity <= 0)
                .Select(x => $"Line {x.index + 1} needs a SKU and a positive quantity.")
                .ToArray();
            if (lineErrors.Length > 0)
            {
                errors["lines"] = lineErrors;
            }
        }

        return errors;
    }
}
