using Npgsql;

namespace Amber.Silo.Persistence;

/// <summary>
/// The tables and query texts Orleans' ADO.NET clustering and reminder providers run on PostgreSQL (invariant
/// <c>Npgsql</c>), written for this project. The providers read every query from <c>OrleansQuery(QueryKey, QueryText)</c>
/// at start and bind their parameters by name (<c>@DeploymentId</c>, <c>@Address</c>, …); the columns they read back are
/// aliased with the exact names the providers look up. The tables live in the connection's current schema (the first
/// one on its search path), because the providers ask for the unqualified <c>OrleansQuery</c>.
/// </summary>
/// <remarks>
/// Concurrency: the membership protocol is optimistic. An insert or update of a silo's row succeeds only while the
/// deployment's version row still holds the version the silo read (its etag), and moves that version on in the same
/// statement. The version row is locked first (<c>FOR UPDATE</c>): at READ COMMITTED a competing statement waits for the
/// first to commit, re-reads the row, finds the new version and changes nothing, so exactly one of two writers wins.
/// </remarks>
public static class OrleansPostgresTables
{
    /// <summary>The ADO.NET invariant name Orleans maps to Npgsql.</summary>
    public const string Invariant = "Npgsql";

    // Names the advisory lock that serializes the creation of these tables by silos starting together ("amber orl").
    private const long SchemaLockKey = 0x616D626572206F72L;

    /// <summary>The version of the tables below; raised with every change, which then needs a step in <see cref="Migrations"/>.</summary>
    public const int SchemaVersion = 1;

    private static readonly (int Version, string Sql)[] Migrations =
    [
        (1, """
            CREATE TABLE IF NOT EXISTS orleans_membership_version (
              deployment_id TEXT PRIMARY KEY,
              version INTEGER NOT NULL DEFAULT 0,
              changed_at TIMESTAMPTZ NOT NULL DEFAULT now());
            CREATE TABLE IF NOT EXISTS orleans_membership (
              deployment_id TEXT NOT NULL REFERENCES orleans_membership_version (deployment_id) ON DELETE CASCADE,
              address TEXT NOT NULL, port INTEGER NOT NULL, generation INTEGER NOT NULL,
              silo_name TEXT NOT NULL, host_name TEXT NOT NULL, status INTEGER NOT NULL, proxy_port INTEGER NOT NULL,
              suspect_times TEXT, start_time TIMESTAMPTZ NOT NULL, i_am_alive_time TIMESTAMPTZ NOT NULL,
              PRIMARY KEY (deployment_id, address, port, generation));
            CREATE TABLE IF NOT EXISTS orleans_reminders (
              service_id TEXT NOT NULL, grain_id TEXT NOT NULL, reminder_name TEXT NOT NULL,
              start_time TIMESTAMPTZ NOT NULL, period_ms BIGINT NOT NULL, grain_hash INTEGER NOT NULL,
              version INTEGER NOT NULL,
              PRIMARY KEY (service_id, grain_id, reminder_name));
            CREATE INDEX IF NOT EXISTS orleans_reminders_by_hash ON orleans_reminders (service_id, grain_hash);
            """),
    ];

    // A membership row as the providers read it: the version row joined to the silo rows (a deployment without silos
    // yields one row that carries only the version, which the provider reads as "no entries").
    private const string MemberColumns = """
        v.version AS "Version", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
        m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
        m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime"
        """;

    private const string ReminderColumns = """
        grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime", period_ms AS "Period", version AS "Version"
        """;

    /// <summary>Every query key the clustering and reminder providers require, with this project's text for it.</summary>
    public static IReadOnlyDictionary<string, string> Queries { get; } = new Dictionary<string, string>
    {
        // ---- clustering ----
        ["InsertMembershipVersionKey"] = """
            WITH inserted AS (
              INSERT INTO orleans_membership_version (deployment_id) VALUES (@DeploymentId)
              ON CONFLICT (deployment_id) DO NOTHING RETURNING 1)
            SELECT EXISTS (SELECT 1 FROM inserted)
            """,
        ["MembershipReadAllKey"] = $"""
            SELECT {MemberColumns}
            FROM orleans_membership_version v
            LEFT JOIN orleans_membership m ON m.deployment_id = v.deployment_id
            WHERE v.deployment_id = @DeploymentId
            """,
        ["MembershipReadRowKey"] = $"""
            SELECT {MemberColumns}
            FROM orleans_membership_version v
            LEFT JOIN orleans_membership m ON m.deployment_id = v.deployment_id
              AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
            WHERE v.deployment_id = @DeploymentId
            """,
        ["InsertMembershipKey"] = """
            WITH current_version AS (
              SELECT deployment_id FROM orleans_membership_version
              WHERE deployment_id = @DeploymentId AND version = @Version FOR UPDATE),
            inserted AS (
              INSERT INTO orleans_membership (deployment_id, address, port, generation, silo_name, host_name, status,
                proxy_port, start_time, i_am_alive_time)
              SELECT deployment_id, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime
              FROM current_version
              ON CONFLICT (deployment_id, address, port, generation) DO NOTHING
              RETURNING deployment_id),
            bumped AS (
              UPDATE orleans_membership_version SET version = version + 1, changed_at = now()
              WHERE deployment_id IN (SELECT deployment_id FROM inserted) RETURNING 1)
            SELECT EXISTS (SELECT 1 FROM bumped)
            """,
        ["UpdateMembershipKey"] = """
            WITH current_version AS (
              SELECT deployment_id FROM orleans_membership_version
              WHERE deployment_id = @DeploymentId AND version = @Version FOR UPDATE),
            updated AS (
              UPDATE orleans_membership m
              SET status = @Status, suspect_times = @SuspectTimes, i_am_alive_time = @IAmAliveTime
              FROM current_version c
              WHERE m.deployment_id = c.deployment_id AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
              RETURNING m.deployment_id),
            bumped AS (
              UPDATE orleans_membership_version SET version = version + 1, changed_at = now()
              WHERE deployment_id IN (SELECT deployment_id FROM updated) RETURNING 1)
            SELECT EXISTS (SELECT 1 FROM bumped)
            """,
        // The heartbeat: deliberately outside the versioned protocol (it changes no silo's status).
        ["UpdateIAmAlivetimeKey"] = """
            UPDATE orleans_membership SET i_am_alive_time = @IAmAliveTime
            WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
            """,
        // The silo rows go with their version row (ON DELETE CASCADE).
        ["DeleteMembershipTableEntriesKey"] = """
            DELETE FROM orleans_membership_version WHERE deployment_id = @DeploymentId
            """,
        // Rows of silos that are no longer active (status 3) and have not written a heartbeat since the given time.
        ["CleanupDefunctSiloEntriesKey"] = """
            DELETE FROM orleans_membership
            WHERE deployment_id = @DeploymentId AND i_am_alive_time < @IAmAliveTime AND status <> 3
            """,
        ["GatewaysQueryKey"] = """
            SELECT address AS "Address", proxy_port AS "ProxyPort", generation AS "Generation"
            FROM orleans_membership
            WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0
            """,

        // ---- reminders ----
        ["ReadReminderRowsKey"] = $"""
            SELECT {ReminderColumns} FROM orleans_reminders WHERE service_id = @ServiceId AND grain_id = @GrainId
            """,
        ["ReadReminderRowKey"] = $"""
            SELECT {ReminderColumns} FROM orleans_reminders
            WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
            """,
        // A range of the hash ring, begin exclusive and end inclusive; "1" when it does not wrap past the top.
        ["ReadRangeRows1Key"] = $"""
            SELECT {ReminderColumns} FROM orleans_reminders
            WHERE service_id = @ServiceId AND grain_hash > @BeginHash AND grain_hash <= @EndHash
            """,
        ["ReadRangeRows2Key"] = $"""
            SELECT {ReminderColumns} FROM orleans_reminders
            WHERE service_id = @ServiceId AND (grain_hash > @BeginHash OR grain_hash <= @EndHash)
            """,
        ["UpsertReminderRowKey"] = """
            INSERT INTO orleans_reminders (service_id, grain_id, reminder_name, start_time, period_ms, grain_hash, version)
            VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
            ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
              SET start_time = excluded.start_time, period_ms = excluded.period_ms, grain_hash = excluded.grain_hash,
                  version = orleans_reminders.version + 1
            RETURNING version AS "Version"
            """,
        ["DeleteReminderRowKey"] = """
            WITH deleted AS (
              DELETE FROM orleans_reminders
              WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName AND version = @Version
              RETURNING 1)
            SELECT EXISTS (SELECT 1 FROM deleted)
            """,
        ["DeleteReminderRowsKey"] = """
            DELETE FROM orleans_reminders WHERE service_id = @ServiceId
            """,
    };

    /// <summary>
    /// Creates the tables when absent, applies newer versions, and writes the query texts (replacing older texts), all
    /// in one transaction under an advisory lock, so silos that start together queue instead of racing on the catalog.
    /// Returns the schema version now in the database.
    /// </summary>
    /// <exception cref="InvalidOperationException">The database holds a newer schema than this silo knows.</exception>
    public static async Task<int> EnsureAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, $"""
            SELECT pg_advisory_xact_lock({SchemaLockKey});
            CREATE TABLE IF NOT EXISTS amber_orleans_schema (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now());
            CREATE TABLE IF NOT EXISTS OrleansQuery (QueryKey VARCHAR(64) PRIMARY KEY, QueryText TEXT NOT NULL);
            """, cancellationToken).ConfigureAwait(false);
        int current;
        await using (var read = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM amber_orleans_schema", connection, transaction))
            current = Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        if (current > SchemaVersion)
            throw new InvalidOperationException(
                $"the Orleans cluster tables have schema version {current}, newer than this silo knows ({SchemaVersion}): upgrade the silo");
        foreach (var (version, sql) in Migrations.Where(m => m.Version > current).OrderBy(m => m.Version))
        {
            await ExecuteAsync(connection, transaction, sql, cancellationToken).ConfigureAwait(false);
            await using var record = new NpgsqlCommand("INSERT INTO amber_orleans_schema (version) VALUES (@version)", connection, transaction);
            record.Parameters.AddWithValue("version", version);
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            current = version;
        }
        // Query texts are rewritten on every start: a silo of a newer build brings its fixes along (same schema version).
        foreach (var (key, text) in Queries)
        {
            await using var upsert = new NpgsqlCommand("""
                INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES (@key, @text)
                ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText
                WHERE OrleansQuery.QueryText IS DISTINCT FROM excluded.QueryText
                """, connection, transaction);
            upsert.Parameters.AddWithValue("key", key);
            upsert.Parameters.AddWithValue("text", text);
            await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return current;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
