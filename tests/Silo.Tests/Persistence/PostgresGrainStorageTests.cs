using Amber.Silo.Persistence;
using Xunit.Abstractions;

namespace Amber.Silo.Tests.Persistence;

/// <summary>The grain-storage contract on PostgreSQL (test.sh's throwaway server): fresh schemas per test, dropped after.</summary>
public sealed class PostgresGrainStorageTests(ITestOutputHelper output) : GrainStorageContract(output)
{
    private readonly string prefix = PersistenceTestServices.NewSchemaName();
    private readonly HashSet<string> schemas = [];

    protected override GrainStateDatabase OpenDatabase(string location)
    {
        string schema = $"{prefix}_{location}";
        var database = new PostgresGrainStateDatabase(PersistenceTestServices.PostgresConnectionString, schema);
        lock (schemas) schemas.Add(schema);
        return database;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var schema in schemas) await PersistenceTestServices.DropSchemaAsync(schema);
    }

    [Fact]
    public void The_description_names_server_and_database_but_not_the_password()
    {
        var database = new PostgresGrainStateDatabase("Host=db.example;Port=5433;Database=amber;Username=silo;Password=hunter2-secret", "amber");
        Assert.Equal("postgres db.example:5433/amber schema amber", database.Description);
        Assert.DoesNotContain("hunter2", database.Description, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new PostgresGrainStateDatabase("Host=x", "bad;schema"));
    }
}
