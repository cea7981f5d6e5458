using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Amber.Silo.Persistence;

/// <summary>
/// The project's Orleans grain storage over SQL: SQLite for the embedded profile, PostgreSQL for the cluster
/// (<see cref="GrainStateDatabase"/> holds the dialects). One row per (service, grain type, grain key, state name) with a
/// version that every write and clear increments; the ETag is that version as a string. A write with a stale ETag, or a
/// first write (null ETag) where a row exists, throws <see cref="InconsistentStateException"/>.
/// </summary>
/// <remarks>
/// The payload's serializer, by precedence: <see cref="SqlGrainStorageOptions.GrainStorageSerializer"/> when set; else an
/// <see cref="IGrainStorageSerializer"/> registered in DI under the provider's name (Orleans' convention for a per-provider
/// serializer); else Orleans' own binary serializer (<see cref="OrleansGrainStorageSerializer"/>). Deliberately not the
/// silo-wide default that Orleans 10 registers (<see cref="JsonGrainStorageSerializer"/>, Newtonsoft.Json with type names
/// and reference tracking): it cannot read back immutable dictionaries ("Cannot preserve reference to readonly
/// dictionary"), and it writes assembly-qualified type names into every payload, so moving a state type to another
/// project would make stored state unreadable. The binary serializer is the one every grain call already uses for these
/// <c>[GenerateSerializer]</c> types: anything a grain can send it can store, it tolerates added and removed <c>[Id]</c>
/// members, and it writes no type names where the declared type is the actual one. The contract tests round-trip records
/// with immutable collections through it.
/// </remarks>
public sealed partial class SqlGrainStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable, IDisposable
{
    private readonly string name;
    private readonly string serviceId;
    private readonly GrainStateDatabase database;
    private readonly IGrainStorageSerializer serializer;
    private readonly IActivatorProvider activators;
    private readonly ILogger<SqlGrainStorage> logger;
    private readonly int initStage;
    private readonly TimeProvider time;

    /// <summary>A provider named <paramref name="name"/> storing the grains of <paramref name="serviceId"/> in <paramref name="database"/>.</summary>
    /// <param name="name">The provider's name (as in <c>[PersistentState("state", name)]</c>), for logs and errors.</param>
    /// <param name="serviceId">Orleans' service id; part of every row's key.</param>
    /// <param name="database">The database; disposed with this provider.</param>
    /// <param name="serializer">The payload's serializer.</param>
    /// <param name="activators">Creates the default state of a grain with no stored state.</param>
    /// <param name="logger">The log.</param>
    /// <param name="initStage">The silo lifecycle stage at which <see cref="EnsureSchemaAsync"/> runs.</param>
    /// <param name="time">The clock of the rows' <c>updated_at</c>; the system clock when null.</param>
    public SqlGrainStorage(string name, string serviceId, GrainStateDatabase database, IGrainStorageSerializer serializer,
        IActivatorProvider activators, ILogger<SqlGrainStorage> logger, int initStage = ServiceLifecycleStage.ApplicationServices,
        TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceId);
        this.name = name;
        this.serviceId = serviceId;
        this.database = database ?? throw new ArgumentNullException(nameof(database));
        this.serializer = serializer ?? throw new ArgumentNullException(nameof(serializer));
        this.activators = activators ?? throw new ArgumentNullException(nameof(activators));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
        this.initStage = initStage;
        this.time = time ?? TimeProvider.System;
    }

    /// <summary>The database this provider stores into.</summary>
    public GrainStateDatabase Database => database;

    /// <summary>The serializer of the payloads (see the remarks of the class for how it is chosen).</summary>
    public IGrainStorageSerializer Serializer => serializer;

    /// <summary>
    /// Builds the provider registered under <paramref name="name"/> from DI: its <see cref="SqlGrainStorageOptions"/>, the
    /// cluster's service id, the activator provider and the log. Used by the <c>AddAmber…GrainStorage</c> registrations.
    /// </summary>
    public static SqlGrainStorage Create(IServiceProvider services, string name)
    {
        var options = services.GetRequiredService<IOptionsMonitor<SqlGrainStorageOptions>>().Get(name);
        GrainStateDatabase database = options.Dialect switch
        {
            SqlGrainStorageDialect.Sqlite => new SqliteGrainStateDatabase(options.DatabasePath),
            SqlGrainStorageDialect.Postgres => new PostgresGrainStateDatabase(options.ConnectionString, options.PostgresSchema),
            _ => throw new OrleansConfigurationException($"grain storage '{name}': unknown dialect {options.Dialect}"),
        };
        var serializer = options.GrainStorageSerializer
            ?? services.GetKeyedService<IGrainStorageSerializer>(name)
            ?? new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>());
        return new SqlGrainStorage(name, services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId, database, serializer,
            services.GetRequiredService<IActivatorProvider>(), services.GetRequiredService<ILogger<SqlGrainStorage>>(), options.InitStage);
    }

    /// <summary>Creates or upgrades the table (idempotent; safe when several silos start at once). Runs at silo start.</summary>
    public async Task EnsureSchemaAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            int version = await database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
            LogSchemaReady(name, database.Description, version);
        }
        catch (DbException ex)
        {
            throw new SqlGrainStorageException($"grain storage '{name}' ({database.Description}): creating the schema failed: {ex.Message}", ex);
        }
    }

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe($"{nameof(SqlGrainStorage)}-{name}", initStage, EnsureSchemaAsync);

    /// <inheritdoc />
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc />
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        var key = KeyOf(stateName, grainId);
        StoredGrainState? row;
        try
        {
            row = await database.ReadAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (DbException ex)
        {
            throw Failure("reading", key, ex);
        }

        T? state = row?.Payload is { } payload ? Deserialize<T>(key, payload) : default;
        grainState.ETag = row is null ? null : ETagOf(row.Version);
        grainState.RecordExists = state is not null;
        grainState.State = state ?? CreateDefault<T>();
    }

    /// <inheritdoc />
    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc />
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        var key = KeyOf(stateName, grainId);
        byte[] payload = Serialize(key, grainState.State);
        long? version;
        try
        {
            version = grainState.ETag is null
                ? await database.InsertAsync(key, payload, time.GetUtcNow(), cancellationToken).ConfigureAwait(false)
                : await database.UpdateAsync(key, VersionOf(key, grainState.ETag), payload, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }
        catch (DbException ex)
        {
            throw Failure("writing", key, ex);
        }
        if (version is null) throw await ConflictAsync("write", key, grainState.ETag, cancellationToken).ConfigureAwait(false);
        grainState.ETag = ETagOf(version.Value);
        grainState.RecordExists = true;
    }

    /// <inheritdoc />
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc />
    /// <remarks>
    /// Keeps the row with no payload and a new version, which becomes the ETag: a writer still holding the ETag from before
    /// the clear then loses, as it would against any other write. A null ETag means "no row": if one exists, that conflicts.
    /// </remarks>
    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        var key = KeyOf(stateName, grainId);
        string? etag;
        try
        {
            if (grainState.ETag is null)
            {
                // Nothing stored, as the caller believes: nothing to clear. A stored row conflicts, as a blind write would.
                if (await database.ReadAsync(key, cancellationToken).ConfigureAwait(false) is not null)
                    throw await ConflictAsync("clear", key, null, cancellationToken).ConfigureAwait(false);
                etag = null;
            }
            else
            {
                long? version = await database.UpdateAsync(key, VersionOf(key, grainState.ETag), null, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                etag = version is { } v ? ETagOf(v) : throw await ConflictAsync("clear", key, grainState.ETag, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (DbException ex)
        {
            throw Failure("clearing", key, ex);
        }
        grainState.ETag = etag;
        grainState.RecordExists = false;
        grainState.State = CreateDefault<T>();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => database.DisposeAsync();

    /// <inheritdoc />
    public void Dispose() => database.DisposeAsync().AsTask().GetAwaiter().GetResult();

    private GrainStateKey KeyOf(string stateName, GrainId grainId) => new(serviceId, grainId.Type.ToString()!, grainId.Key.ToString()!, stateName);

    private static string ETagOf(long version) => version.ToString(CultureInfo.InvariantCulture);

    private long VersionOf(GrainStateKey key, string etag) =>
        long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out long version)
            ? version
            : throw new InconsistentStateException($"grain storage '{name}' ({database.Description}): ETag '{etag}' of {key} was not issued by this provider", null, etag);

    private T CreateDefault<T>() => activators.GetActivator<T>().Create();

    // The serializer's own message may quote the payload, so neither it nor the exception goes into the error; the log
    // keeps the exception type only.
    private byte[] Serialize<T>(GrainStateKey key, T state)
    {
        try
        {
            return serializer.Serialize(state).ToArray();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSerializerFailed(name, "serializing", key.ToString(), typeof(T).FullName, ex.GetType().FullName);
            throw new SqlGrainStorageException(
                $"grain storage '{name}' ({database.Description}): serializing the {typeof(T).FullName} of {key} failed ({ex.GetType().Name})");
        }
    }

    private T? Deserialize<T>(GrainStateKey key, byte[] payload)
    {
        try
        {
            return serializer.Deserialize<T>(new BinaryData(payload));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSerializerFailed(name, "deserializing", key.ToString(), typeof(T).FullName, ex.GetType().FullName);
            throw new SqlGrainStorageException(
                $"grain storage '{name}' ({database.Description}): the stored state of {key} is not a readable {typeof(T).FullName} " +
                $"({ex.GetType().Name}); was the state type changed incompatibly?");
        }
    }

    private SqlGrainStorageException Failure(string operation, GrainStateKey key, DbException ex) =>
        new($"grain storage '{name}' ({database.Description}): {operation} {key} failed: {ex.Message}", ex);

    private async Task<InconsistentStateException> ConflictAsync(string operation, GrainStateKey key, string? etag, CancellationToken cancellationToken)
    {
        // The stored version only makes the message more useful; failing to read it must not hide the conflict.
        string? stored;
        try
        {
            stored = await database.ReadAsync(key, cancellationToken).ConfigureAwait(false) is { } row ? ETagOf(row.Version) : null;
        }
        catch (DbException)
        {
            stored = "unknown";
        }
        LogConflict(name, operation, key.ToString(), etag, stored);
        return new InconsistentStateException(
            $"grain storage '{name}' ({database.Description}): {operation} of {key} lost an ETag check: expected ETag " +
            $"{etag ?? "none (no stored state)"}, stored {stored ?? "none"}; another activation or silo changed it first",
            stored, etag);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Grain storage {Name}: {Database} at schema version {Version}")]
    private partial void LogSchemaReady(string name, string database, int version);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Grain storage {Name}: {Operation} of {Key} lost the ETag check (expected {ETag}, stored {StoredETag})")]
    private partial void LogConflict(string name, string operation, string key, string? etag, string? storedETag);

    [LoggerMessage(Level = LogLevel.Error, Message = "Grain storage {Name}: {Operation} the {StateType} of {Key} failed with {ExceptionType}")]
    private partial void LogSerializerFailed(string name, string operation, string key, string? stateType, string? exceptionType);
}
