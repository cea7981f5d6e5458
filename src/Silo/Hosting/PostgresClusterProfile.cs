using Amber.Grains.Hosting;
using Amber.Silo.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Runtime;

namespace Amber.Silo.Hosting;

/// <summary>
/// The PostgreSQL cluster profile: several silos share one database for membership (Orleans' ADO.NET clustering),
/// reminders (Orleans' ADO.NET reminder table) and grain state (this project's <see cref="SqlGrainStorage"/>), all on the
/// schema and query texts this project writes (<see cref="OrleansPostgresTables"/>), created or upgraded when a silo starts.
/// </summary>
public static class PostgresClusterProfile
{
    /// <summary>Configures <paramref name="silo"/> for the database of <paramref name="connectionString"/>.</summary>
    public static ISiloBuilder UseAmberPostgresCluster(this ISiloBuilder silo, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        // The tables must exist before the membership table is first read (RuntimeInitialize), so the participant runs first.
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(new SchemaParticipant(connectionString));
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = OrleansPostgresTables.Invariant;
            o.ConnectionString = connectionString;
        });
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = OrleansPostgresTables.Invariant;
            o.ConnectionString = connectionString;
        });
        silo.AddAmberPostgresGrainStorage(StorageNames.State, connectionString);
        // Stream subscriptions (who listens to which sweep's events) outlive the silo that recorded them.
        silo.AddAmberPostgresGrainStorage(StorageNames.PubSub, connectionString);
        silo.UseFastFailureDetection();
        return silo;
    }

    private sealed class SchemaParticipant(string connectionString) : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(nameof(PostgresClusterProfile), ServiceLifecycleStage.First,
                ct => OrleansPostgresTables.EnsureAsync(connectionString, ct));
    }
}
