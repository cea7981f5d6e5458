using Amber.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;

namespace Amber.Silo.Hosting;

/// <summary>
/// The Azure cluster profile: several silos share one storage account, with Orleans' own Azure providers for membership
/// (table), reminders (table) and grain state (blobs, one container). Grain state is written with Orleans' binary
/// serializer, as in the other profiles (the providers' default JSON cannot read immutable collections back).
/// </summary>
public static class AzureClusterProfile
{
    /// <summary>The blob container of grain state and stream subscriptions.</summary>
    public const string GrainStateContainer = "amber-grain-state";

    /// <summary>Configures <paramref name="silo"/> for <paramref name="account"/>.</summary>
    public static ISiloBuilder UseAmberAzureCluster(this ISiloBuilder silo, AzureStorageAccount account)
    {
        silo.UseAzureStorageClustering(o => o.TableServiceClient = account.Tables());
        silo.UseAzureTableReminderService(o => o.TableServiceClient = account.Tables());
        foreach (string name in new[] { StorageNames.State, StorageNames.PubSub })
        {
            silo.AddAzureBlobGrainStorage(name, options => options.Configure<IServiceProvider>((o, services) =>
            {
                o.BlobServiceClient = account.Blobs();
                o.ContainerName = GrainStateContainer;
                o.GrainStorageSerializer = new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>());
            }));
        }
        silo.UseFastFailureDetection();
        return silo;
    }
}
