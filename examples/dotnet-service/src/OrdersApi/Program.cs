using Amazon.DynamoDBv2;
using OrdersApi;

var builder = WebApplication.CreateBuilder(args);

// In Lambda this swaps Kestrel for the Lambda runtime; run locally, it does nothing.
builder.Services.AddAWSLambdaHosting(LambdaEventSource.HttpApi);

builder.Services.AddSingleton<IAmazonDynamoDB, AmazonDynamoDBClient>();
builder.Services.AddSingleton<IOrderStore>(services =>
{
    var tableName = builder.Configuration["TABLE_NAME"]
        ?? throw new InvalidOperationException("TABLE_NAME is not set; the SAM template sets it from the Table resource.");
    return new DynamoDbOrderStore(services.GetRequiredService<IAmazonDynamoDB>(), tableName);
});
builder.Services.AddSingleton(TimeProvider.System);

var app = builder.Build();

app.MapHealth();
app.MapOrders();

app.Run();

// Lets the unit tests host the app with WebApplicationFactory<Program>.
public partial class Program;
