using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace Amber.Silo.Persistence;

/// <summary>
/// Registers <see cref="SqlGrainStorage"/> providers on a silo, the way Orleans registers its own: options named after the
/// provider, and a keyed <see cref="IGrainStorage"/> singleton that joins the silo lifecycle (so the schema exists before any grain activates). The <c>…AsDefault</c> forms register under Orleans'
/// default provider name, used by <c>[PersistentState("x")]</c> without a storage name.
/// </summary>
public static class SqlGrainStorageSiloBuilderExtensions
{
    /// <summary>Grain storage <paramref name="name"/> in the SQLite file <paramref name="databasePath"/> (embedded profile).</summary>
    public static ISiloBuilder AddAmberSqliteGrainStorage(this ISiloBuilder builder, string name, string databasePath,
        Action<SqlGrainStorageOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        return builder.AddAmberSqlGrainStorage(name, options =>
        {
            options.Dialect = SqlGrainStorageDialect.Sqlite;
            options.DatabasePath = databasePath;
            configure?.Invoke(options);
        });
    }

    /// <summary>The default grain storage in the SQLite file <paramref name="databasePath"/>.</summary>
    public static ISiloBuilder AddAmberSqliteGrainStorageAsDefault(this ISiloBuilder builder, string databasePath,
        Action<SqlGrainStorageOptions>? configure = null) =>
        builder.AddAmberSqliteGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, databasePath, configure);

    /// <summary>Grain storage <paramref name="name"/> in the PostgreSQL database of <paramref name="connectionString"/> (cluster profile).</summary>
    public static ISiloBuilder AddAmberPostgresGrainStorage(this ISiloBuilder builder, string name, string connectionString,
        Action<SqlGrainStorageOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return builder.AddAmberSqlGrainStorage(name, options =>
        {
            options.Dialect = SqlGrainStorageDialect.Postgres;
            options.ConnectionString = connectionString;
            configure?.Invoke(options);
        });
    }

    /// <summary>The default grain storage in the PostgreSQL database of <paramref name="connectionString"/>.</summary>
    public static ISiloBuilder AddAmberPostgresGrainStorageAsDefault(this ISiloBuilder builder, string connectionString,
        Action<SqlGrainStorageOptions>? configure = null) =>
        builder.AddAmberPostgresGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, connectionString, configure);

    private static ISiloBuilder AddAmberSqlGrainStorage(this ISiloBuilder builder, string name, Action<SqlGrainStorageOptions> configure)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return builder.ConfigureServices(services =>
        {
            services.AddOptions<SqlGrainStorageOptions>(name).Configure(configure);
            // Deliberately no ConfigureNamedOptionForLogging: the options hold a connection string.
            services.AddGrainStorage(name, SqlGrainStorage.Create);
        });
    }
}
