using Orleans;
using Orleans.Storage;

namespace Amber.Silo.Persistence;

/// <summary>The database behind a <see cref="SqlGrainStorage"/>.</summary>
public enum SqlGrainStorageDialect
{
    /// <summary>One SQLite file (the embedded profile: a rerun resumes from it).</summary>
    Sqlite,

    /// <summary>A PostgreSQL database shared by every silo of the cluster.</summary>
    Postgres,
}

/// <summary>
/// Options of one named <see cref="SqlGrainStorage"/> provider, bound by the provider's name
/// (<c>IOptionsMonitor&lt;SqlGrainStorageOptions&gt;.Get(name)</c>), as Orleans' own providers do.
/// </summary>
public sealed class SqlGrainStorageOptions : IStorageProviderSerializerOptions
{
    /// <summary>Which database the provider talks to.</summary>
    public SqlGrainStorageDialect Dialect { get; set; }

    /// <summary>SQLite only: the database file (created with its folder when absent).</summary>
    public string DatabasePath { get; set; } = "";

    /// <summary>PostgreSQL only: an Npgsql connection string. Never logged nor put in errors (its password is a secret).</summary>
    [Redact]
    public string ConnectionString { get; set; } = "";

    /// <summary>PostgreSQL only: the schema that holds the table (created when absent); ASCII letters, digits and '_'.</summary>
    public string PostgresSchema { get; set; } = "public";

    /// <summary>The silo lifecycle stage at which the schema is created or upgraded (before any grain activates).</summary>
    public int InitStage { get; set; } = ServiceLifecycleStage.ApplicationServices;

    /// <summary>
    /// The serializer of the payload. Left null, the provider takes the <see cref="IGrainStorageSerializer"/> registered in DI
    /// under its name, else Orleans' binary <see cref="OrleansGrainStorageSerializer"/> (why not the silo-wide JSON default:
    /// see <see cref="SqlGrainStorage"/>). Changing it for a database that holds state makes that state unreadable.
    /// </summary>
    public IGrainStorageSerializer GrainStorageSerializer { get; set; } = null!;
}
