using System.CommandLine;
using Amber.Dashboard;
using Amber.Silo.Hosting;
using Microsoft.Extensions.Logging;

namespace Amber.Cli.Commands;

/// <summary>
/// <c>amber silo</c>: runs an Orleans silo with the HTTP API until Ctrl+C: one silo on localhost clustering with grain
/// state in SQLite (default), or one of several silos sharing a PostgreSQL database (<c>--cluster postgres:…</c>).
/// Workers join with <c>amber worker --gateways host:&lt;gateway port&gt;</c> or <c>--cluster postgres:…</c>. Tokens come from options or AMBER_USER_TOKENS.
/// </summary>
public sealed class SiloCommand : ICommandModule
{
    /// <inheritdoc />
    public Command Build()
    {
        var cluster = new Option<string>("--cluster") { Description = "Membership, reminders and grain state: localhost (one silo, default), postgres:<connection string>, or azure:<connection string or storage account name> (several silos share the store; also AMBER_CLUSTER)", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("AMBER_CLUSTER") is { Length: > 0 } env ? env : "localhost" };
        var state = new Option<string>("--state") { Description = "Grain state: a SQLite file (default .amber/state.db), or 'memory'", DefaultValueFactory = _ => ".amber/state.db" };
        var blobs = new Option<string>("--blobs") { Description = "Artifacts (results the API and dashboard serve): file:<dir> (default .amber/blobs) or azure:<connection string, SAS URL, or blob endpoint URL for DefaultAzureCredential>", DefaultValueFactory = _ => "file:.amber/blobs" };
        var container = new Option<string>("--container") { Description = "Azure container for artifacts", DefaultValueFactory = _ => "amber" };
        var urls = new Option<string>("--urls") { Description = "Where the HTTP API listens", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var siloPort = new Option<int>("--silo-port") { Description = "Silo-to-silo port", DefaultValueFactory = _ => 11111 };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "Port workers connect to", DefaultValueFactory = _ => 30000 };
        var userTokens = new Option<string[]>("--user-token") { Description = "A user bearer token (repeatable); also AMBER_USER_TOKENS (comma-separated)", AllowMultipleArgumentsPerToken = false };
        var dataRoots = new Option<string[]>("--data-root") { Description = "A folder submitted sweeps may read corpora, embeddings and votes from (repeatable)", AllowMultipleArgumentsPerToken = false };
        var advertise = new Option<string?>("--advertise") { Description = "Address workers on other machines reach this silo at (a pod IP or host name); default: loopback only" };
        // 6 s: a killed worker's run is leased again within about 6 s (./bench.sh failover); workers renew every 2 s.
        var kubernetes = new Option<bool>("--kubernetes") { Description = "Running as a Kubernetes pod: name and address from POD_NAME/POD_NAMESPACE/POD_IP, silos of deleted pods declared dead at once (needs RBAC on pods)" };
        var lease = new Option<double>("--lease-seconds") { Description = "Lease duration: how long a run stays with a worker that stopped renewing (workers renew at a third of it)", DefaultValueFactory = _ => 6 };
        var cmd = new Command("silo", "Run a silo: Orleans grains (sweeps, runs, scheduler, workers) and the HTTP API (Ctrl+C stops it)")
        {
            cluster, state, blobs, container, urls, siloPort, gatewayPort, advertise, kubernetes, userTokens, dataRoots, lease,
        };
        var tls = new TlsCommandOptions();
        tls.AddTo(cmd);
        cmd.SetAction((pr, ct) => SiloCliSupport.RunAsync(async () =>
        {
            var users = SiloCliSupport.Tokens(pr.GetValue(userTokens), "AMBER_USER_TOKENS");
            if (users.Count == 0) throw new ArgumentException("no user token: pass --user-token <token> or set AMBER_USER_TOKENS");
            double leaseSeconds = pr.GetValue(lease);
            if (!(leaseSeconds > 0)) throw new ArgumentException($"--lease-seconds {leaseSeconds}: expected a positive number of seconds");
            var clusterSpec = ClusterSpec.Parse(pr.GetValue(cluster)!);
            if (pr.GetValue(kubernetes))
            {
                // Orleans' Kubernetes hosting reads these at start and talks to the API server; say what is missing up front.
                var missing = new[] { "POD_NAME", "POD_NAMESPACE", "POD_IP", "KUBERNETES_SERVICE_HOST" }.Where(v => string.IsNullOrEmpty(Environment.GetEnvironmentVariable(v))).ToList();
                if (missing.Count > 0)
                    throw new ArgumentException($"--kubernetes: {string.Join(", ", missing)} not set; expected to run in a pod (Kubernetes sets KUBERNETES_SERVICE_HOST; k8s/base/silo.yaml sets POD_* from the downward API)");
                if (clusterSpec.Kind == ClusterKind.Localhost)
                    throw new ArgumentException("--kubernetes needs a cluster store shared by the silo pods: --cluster postgres:… or azure:… (or AMBER_CLUSTER)");
            }
            string statePath = pr.GetValue(state)!;
            if (clusterSpec.Kind != ClusterKind.Localhost && pr.GetResult(state) is { Implicit: false })
                throw new ArgumentException($"--state is the localhost profile's grain state; with --cluster {clusterSpec.Kind.ToString().ToLowerInvariant()}:… the grain state is in the cluster's store");
            if (clusterSpec.Kind == ClusterKind.Localhost && statePath != "memory") Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(statePath))!);
            var options = new AmberSiloOptions
            {
                Urls = pr.GetValue(urls)!,
                UserTokens = users,
                DataRoots = pr.GetValue(dataRoots) ?? [],
                Cluster = clusterSpec,
                Tls = tls.Load(pr),
                KubernetesHosting = pr.GetValue(kubernetes),
                StateDatabase = statePath == "memory" ? null : statePath,
                SiloPort = pr.GetValue(siloPort),
                GatewayPort = pr.GetValue(gatewayPort),
                AdvertisedAddress = pr.GetValue(advertise),
                Scheduling = o => o.LeaseDuration = TimeSpan.FromSeconds(leaseSeconds),
                LogLevel = LogLevel.Information,
                Blobs = ConnectionSpecs.OpenBlobs(pr.GetValue(blobs)!, pr.GetValue(container)!),
                ConfigureApp = app => app.MapAmberDashboard(),
            };
            await using var app = AmberSilo.Build(options);
            await app.StartAsync(ct);
            string where = clusterSpec.Kind != ClusterKind.Localhost ? $"cluster {clusterSpec}" : $"state {options.StateDatabase ?? "in memory"}";
            Console.WriteLine($"amber silo {SiloCliSupport.Version}: {where}{(options.Tls is null ? "" : ", mutual TLS")}, gateway {options.AdvertisedAddress ?? "127.0.0.1"}:{options.GatewayPort}, API on {string.Join(", ", app.Urls)}, dashboard at {AmberSilo.Address(app)}dashboard/ (Ctrl+C to stop)");
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
            }
            await app.StopAsync(CancellationToken.None);
            return 0;
        }));
        return cmd;
    }
}
