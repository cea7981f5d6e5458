using Amber.Grains.Contracts;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization;
using Amber.Grains.Hosting;
using Amber.Silo.Api;
using Amber.Silo.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Amber.Silo.Persistence;
using Orleans.Dashboard;
using Amber.Storage.Blobs;
using Amber.Storage.Blobs.FileSystem;
using Microsoft.Extensions.Logging;

namespace Amber.Silo.Hosting;

/// <summary>What a silo runs on and serves.</summary>
public sealed class AmberSiloOptions
{
    /// <summary>Where the HTTP API listens, e.g. "http://127.0.0.1:5080" (port 0 picks a free one).</summary>
    public string Urls { get; set; } = "http://127.0.0.1:5080";

    /// <summary>Bearer tokens of the API's users.</summary>
    public IReadOnlyList<string> UserTokens { get; set; } = [];

    /// <summary>Folders submitted sweeps may read from (corpora, embeddings, extra votes).</summary>
    public IReadOnlyList<string> DataRoots { get; set; } = [];

    /// <summary>
    /// Where membership, reminders and grain state live: <see cref="ClusterSpec.Localhost"/> (one silo, the default) or a
    /// PostgreSQL database or Azure Storage account shared by several silos (then <see cref="StateDatabase"/> is not used).
    /// </summary>
    public ClusterSpec Cluster { get; set; } = ClusterSpec.Localhost;

    /// <summary>Grain state of the localhost profile: a SQLite file (a rerun with the same file resumes), or null to keep it in memory.</summary>
    public string? StateDatabase { get; set; }

    /// <summary>
    /// The address other machines reach this silo at (a pod IP, a host name). Null: loopback only (one machine). When set,
    /// the silo listens on every interface and advertises this address to workers and other silos.
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>Mutual TLS on silo-to-silo and gateway links (null: plain TCP, for one machine).</summary>
    public Amber.Grains.Security.ClusterCertificates? Tls { get; set; }

    /// <summary>
    /// Running as a Kubernetes pod (Orleans' <c>UseKubernetesHosting</c>): the silo is named after its pod, advertises the
    /// pod IP (POD_NAME, POD_NAMESPACE, POD_IP), and a watch on the silo pods declares the silo of a deleted pod dead at
    /// once instead of waiting for missed probes (needs get/list/watch on pods, see k8s/base/rbac.yaml).
    /// </summary>
    public bool KubernetesHosting { get; set; }

    /// <summary>Silo-to-silo port (0: a free one).</summary>
    public int SiloPort { get; set; }

    /// <summary>Gateway port that workers and other clients connect to (0: a free one).</summary>
    public int GatewayPort { get; set; }

    /// <summary>Leases, liveness and reconciliation timing.</summary>
    public Action<SchedulingOptions>? Scheduling { get; set; }

    /// <summary>Lowest level the silo logs.</summary>
    public LogLevel LogLevel { get; set; } = LogLevel.Warning;

    /// <summary>Lowest level Orleans' own categories log (warnings for an operated silo; errors for the one-process <c>amber run</c>).</summary>
    public LogLevel OrleansLogLevel { get; set; } = LogLevel.Warning;

    /// <summary>The blob store results are read from (the result-file downloads); a folder under the current directory by default.</summary>
    public IBlobStore? Blobs { get; set; }

    /// <summary>Extra endpoints (e.g. the dashboard) mapped on the app before it starts.</summary>
    public Action<WebApplication>? ConfigureApp { get; set; }
}

/// <summary>Describes the running silo's profile to the API (health).</summary>
/// <param name="StateStore">"sqlite", "memory", "postgres" or "azure".</param>
/// <param name="GatewayPort">The port clients connect to.</param>
public sealed record SiloProfile(string StateStore, int GatewayPort);

/// <summary>
/// Builds a silo process: an ASP.NET Core app that hosts an Orleans silo (localhost clustering in this profile; the
/// multi-node profiles add PostgreSQL or Azure membership) with Amber's grains, and serves the HTTP API on top of it.
/// </summary>
public static class AmberSilo
{
    /// <summary>JSON as the API writes it (camelCase, enums as snake_case strings); clients use the same options.</summary>
    public static JsonSerializerOptions Json { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>A ready-to-start silo with its API.</summary>
    public static WebApplication Build(AmberSiloOptions options)
    {
        int siloPort = options.SiloPort == 0 ? FreePort() : options.SiloPort;
        int gatewayPort = options.GatewayPort == 0 ? FreePort() : options.GatewayPort;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(options.Urls);
        builder.Logging.SetMinimumLevel(options.LogLevel);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Orleans", options.OrleansLogLevel);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);   // Orleans' placement retries log every attempt at information
        // The watchdog's first check compares against the process's start on some VMs and reports a stall of hours at start-up.
        builder.Logging.AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);
        // Advice that does not apply here (server GC on a 2-core machine) is not a warning an operator can act on.
        builder.Logging.AddFilter("Orleans.Runtime.Silo", options.OrleansLogLevel > LogLevel.Error ? options.OrleansLogLevel : LogLevel.Error);
        builder.UseOrleans(silo =>
        {
            if (options.Cluster.Kind is ClusterKind.Postgres or ClusterKind.Azure)
            {
                var address = options.AdvertisedAddress is null ? IPAddress.Loopback : ResolveAddress(options.AdvertisedAddress);
                silo.ConfigureEndpoints(address, siloPort, gatewayPort, listenOnAnyHostAddress: options.AdvertisedAddress is not null);
                silo.Configure<Orleans.Configuration.ClusterOptions>(o =>
                {
                    o.ClusterId = ClusterIds.Cluster;
                    o.ServiceId = ClusterIds.Service;
                });
                if (options.Cluster.Kind == ClusterKind.Postgres) silo.UseAmberPostgresCluster(options.Cluster.ConnectionString!);
                else silo.UseAmberAzureCluster(new AzureStorageAccount(options.Cluster.ConnectionString!));
            }
            else
            {
                if (options.AdvertisedAddress is null)
                {
                    silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: ClusterIds.Service, clusterId: ClusterIds.Cluster);
                }
                else
                {
                    // One silo reachable from other machines: it is its own primary (the multi-silo profiles use a membership table).
                    var address = ResolveAddress(options.AdvertisedAddress);
                    silo.UseDevelopmentClustering(new IPEndPoint(address, siloPort));
                    silo.ConfigureEndpoints(address, siloPort, gatewayPort, listenOnAnyHostAddress: true);
                    silo.Configure<Orleans.Configuration.ClusterOptions>(o =>
                    {
                        o.ClusterId = ClusterIds.Cluster;
                        o.ServiceId = ClusterIds.Service;
                    });
                }
                if (options.StateDatabase is null) silo.AddMemoryGrainStorage(StorageNames.State);
                else silo.AddAmberSqliteGrainStorage(StorageNames.State, options.StateDatabase);
                silo.AddMemoryGrainStorage(StorageNames.PubSub);
                silo.UseInMemoryReminderService();
            }
            if (options.Tls is not null) silo.UseAmberMutualTls(options.Tls);
            if (options.KubernetesHosting) silo.UseKubernetesHosting();
            silo.AddAmberGrains(options.Scheduling);
            silo.AddDashboard();
        });
        string store = options.Cluster.Kind switch
        {
            ClusterKind.Postgres => "postgres",
            ClusterKind.Azure => "azure",
            _ => options.StateDatabase is null ? "memory" : "sqlite",
        };
        builder.Services.AddSingleton(new SiloProfile(store, gatewayPort));
        builder.Services.AddSiloApi(new SiloAuthOptions { UserTokens = options.UserTokens }, new DataRoots(options.DataRoots));
        builder.Services.AddSingleton(options.Blobs ?? new FileSystemBlobStore(Path.Combine(".amber", "blobs")));
        var app = builder.Build();
        app.UseSiloApi();
        app.MapSiloApi();
        options.ConfigureApp?.Invoke(app);
        return app;
    }

    /// <summary>Registers auth, problem details, JSON options, OpenAPI and the data roots.</summary>
    public static IServiceCollection AddSiloApi(this IServiceCollection services, SiloAuthOptions auth, DataRoots roots)
    {
        services.AddSingleton(auth);
        services.AddSingleton<OrleansDashboardSession>();
        services.AddSingleton(roots);
        services.AddSingleton(TimeProvider.System);
        services.Configure<JsonOptions>(o => Configure(o.SerializerOptions));
        services.AddRouting();
        services.AddProblemDetails();
        services.AddAuthentication(TokenAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(SiloRoles.User, p => p.RequireRole(SiloRoles.User));
        services.AddOpenApi();
        return services;
    }

    /// <summary>Problem-details errors for exceptions and bare status codes, then authentication and authorization.</summary>
    public static IApplicationBuilder UseSiloApi(this IApplicationBuilder app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }

    /// <summary>Maps /health, the API and the OpenAPI document (/openapi/v1.json, users only).</summary>
    public static IEndpointRouteBuilder MapSiloApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthApi();
        endpoints.MapSweepsApi();
        endpoints.MapRunsApi();
        endpoints.MapEventsApi();
        endpoints.MapResultFilesApi();
        endpoints.MapTrialTableApi();
        endpoints.MapOrleansDashboardSession();
        // The official Orleans dashboard (cluster health), behind the same authentication (see OrleansDashboardSession).
        endpoints.MapOrleansDashboard(routePrefix: OrleansDashboardSession.Path).RequireAuthorization(SiloRoles.User);
        endpoints.MapOpenApi().RequireAuthorization(SiloRoles.User);
        return endpoints;
    }

    private static IPAddress ResolveAddress(string host) =>
        IPAddress.TryParse(host, out var ip) ? ip
        : Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
          ?? throw new ArgumentException($"--advertise '{host}' has no IPv4 address");

    /// <summary>The address the API listens on once started (the real port when 0 was asked for).</summary>
    public static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
            .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First());

    /// <summary>A loopback port nobody listens on now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static JsonSerializerOptions Configure(JsonSerializerOptions o)
    {
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        return o;
    }
}
