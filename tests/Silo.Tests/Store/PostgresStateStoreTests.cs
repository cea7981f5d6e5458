using Amber.Silo.Store;

namespace Amber.Silo.Tests.Store;

/// <summary>The store contract on PostgreSQL (test.sh's throwaway cluster): a fresh schema per test.</summary>
public sealed class PostgresStateStoreTests : StateStoreContract
{
    private readonly string schema = TestStores.NewSchemaName();

    protected override Task<IStateStore> CreateStoreAsync() => Task.FromResult<IStateStore>(TestStores.Postgres(schema));

    protected override Task<IStateStore> OpenSecondSiloAsync() => Task.FromResult<IStateStore>(TestStores.Postgres(schema));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await TestStores.DropSchemaAsync(schema);
    }
}
