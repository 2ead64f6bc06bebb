using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace OrdersApi;

public interface IOrderStore
{
    Task SaveAsync(Order order, CancellationToken cancellationToken);

    Task<Order?> FindAsync(string id, CancellationToken cancellationToken);
}

/// <summary>Orders in the service's DynamoDB table, one item per order keyed by "id".</summary>
public sealed class DynamoDbOrderStore(IAmazonDynamoDB dynamoDb, string tableName) : IOrderStore
{
    public async Task SaveAsync(Order order, CancellationToken cancellationToken)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            ["id"] = new() { S = order.Id },
            ["customerId"] = new() { S = order.CustomerId },
            ["createdAt"] = new() { S = order.CreatedAt.ToString("O", CultureInfo.InvariantCulture) },
            ["lines"] = new()
            {
                L = order.Lines.Select(line => new AttributeValue
                {
                    M = new Dictionary<string, AttributeValue>
                    {
                        ["sku"] = new() { S = line.Sku },
                        ["quantity"] = new() { N = line.Quantity.ToString(CultureInfo.InvariantCulture) },
                    },
                }).ToList(),
            },
        };

        // Ids are new GUIDs; the condition turns a collision into an error, not an overwrite.
        await dynamoDb.PutItemAsync(new PutItemRequest
        {
            TableName = tableName,
            Item = item,
            ConditionExpression = "attribute_not_exists(id)",
        }, cancellationToken);
    }

    public async Task<Order?> FindAsync(string id, CancellationToken cancellationToken)
    {
        var response = await dynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = new Dictionary<string, AttributeValue> { ["id"] = new() { S = id } },
            ConsistentRead = true,
        }, cancellationToken);

        if (response.Item is not { Count: > 0 } item)
        {
            return null;
        }

        var lines = item["lines"].L
            .Select(line => new OrderLine(line.M["sku"].S, int.Parse(line.M["quantity"].N, CultureInfo.InvariantCulture)))
            .ToList();
        return new Order(
            item["id"].S,
            item["customerId"].S,
            lines,
            DateTimeOffset.Parse(item["createdAt"].S, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind));
    }
}
