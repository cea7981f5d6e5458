using System.CommandLine;
using Amber.Grains.Contracts;
using Amber.Silo.Hosting;
using Amber.Worker;
using Amber.Worker.Hosting;
using Microsoft.Extensions.Logging;

namespace Amber.Cli.Commands;

/// <summary>
/// <c>amber worker --gateways host:port[,host:port]</c> (or <c>--cluster postgres:…</c>): a worker process. It joins the cluster as an Orleans client
/// (never a silo), registers its worker grain and executes runs until Ctrl+C.
/// </summary>
public sealed class WorkerCommand : ICommandModule
{
    /// <inheritdoc />
    public Command Build()
    {
        var gateways = new Option<string>("--gateways") { Description = "Silo gateways, host:port[,host:port]", DefaultValueFactory = _ => "127.0.0.1:30000" };
        var cluster = new Option<string?>("--cluster") { Description = "Instead of --gateways: postgres:<connection string> or azure:<connection string or account name> of the silos' cluster store (live gateways are read from it); also AMBER_CLUSTER", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("AMBER_CLUSTER") is { Length: > 0 } env ? env : null };
        var blobs = new Option<string>("--blobs") { Description = "Artifacts: file:<dir> or azure:<connection string, SAS URL, or blob endpoint URL for DefaultAzureCredential> (the silo's store)", DefaultValueFactory = _ => "file:.amber/blobs" };
        var container = new Option<string>("--container") { Description = "Azure container for artifacts", DefaultValueFactory = _ => "amber" };
        var slots = new Option<int>("--slots") { Description = "Runs executed at once", DefaultValueFactory = _ => 1 };
        var name = new Option<string>("--name") { Description = "Name shown by the cluster", DefaultValueFactory = _ => Environment.MachineName };
        var id = new Option<string?>("--id") { Description = "Worker id (default: a fresh one); a restarted worker may keep its id" };
        var executor = new Option<string>("--executor") { Description = "What a run does: training (default) or noop", DefaultValueFactory = _ => "training" };
        var noopEpoch = new Option<int>("--noop-epoch-ms") { Description = "With --executor noop: 3 epochs of this many milliseconds each (failure drills)", DefaultValueFactory = _ => 0 };
        var ringHost = new Option<string?>("--ring-host") { Description = "Address other workers dial for data-parallel gangs (listens on every interface); default: the address this host reaches the first gateway from (127.0.0.1 for a local silo)" };
        var ringPort = new Option<int>("--ring-port") { Description = "Port of the gang ring listener (0: any free port)", DefaultValueFactory = _ => 0 };
        var cmd = new Command("worker", "Run a worker: an Orleans client that executes runs handed out by the cluster (Ctrl+C stops it)")
        {
            gateways, cluster, blobs, container, slots, name, id, executor, noopEpoch, ringHost, ringPort,
        };
        var tls = new TlsCommandOptions();
        tls.AddTo(cmd);
        cmd.SetAction((pr, ct) => SiloCliSupport.RunAsync(async () =>
        {
            if (pr.GetValue(slots) < 1) throw new ArgumentException($"--slots {pr.GetValue(slots)} must be at least 1");
            var clustering = Clustering(pr.GetValue(cluster), pr.GetValue(gateways)!, pr.GetResult(gateways) is { Implicit: false });
            var run = SiloCliSupport.Executor(pr.GetValue(executor)!, TimeSpan.FromMilliseconds(pr.GetValue(noopEpoch)));
            var blobStore = ConnectionSpecs.OpenBlobs(pr.GetValue(blobs)!, pr.GetValue(container)!);
            var certificates = tls.Load(pr);
            using var host = await WorkerHost.ConnectAsync(clustering, LogLevel.Information, ct, certificates);
            using var logs = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
            var options = new WorkerAgentOptions
            {
                Capabilities = new WorkerCapabilities(pr.GetValue(name)!, pr.GetValue(slots), Environment.ProcessorCount, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes >> 20),
            };
            if (pr.GetValue(id) is { Length: > 0 } given) options.WorkerId = given;
            if (pr.GetValue(ringPort) is < 0 or > 65535) throw new ArgumentException($"--ring-port {pr.GetValue(ringPort)} must be 0 (any free port) to 65535");
            options.RingPort = pr.GetValue(ringPort);
            if ((pr.GetValue(ringHost) is { Length: > 0 } explicitHost ? explicitHost : DefaultRingHost(pr.GetValue(cluster), pr.GetValue(gateways)!)) is { } advertised)
            {
                options.RingBind = System.Net.IPAddress.Any;
                options.RingAdvertisedHost = advertised;
            }
            var agent = new WorkerAgent(host.Client(), run, blobStore, options, logs.CreateLogger<WorkerAgent>());
            Console.WriteLine($"amber worker {SiloCliSupport.Version}: {agent.WorkerId}, {pr.GetValue(slots)} slot(s), executor {run.GetType().Name}, {clustering}{(certificates is null ? "" : ", mutual TLS")}");
            await agent.RunAsync(ct);
            Console.WriteLine($"worker {agent.WorkerId} stopped after {agent.Completed} run(s)");
            return 0;
        }));
        return cmd;
    }

    private static WorkerClustering Clustering(string? cluster, string gateways, bool gatewaysGiven)
    {
        if (cluster is null) return WorkerClustering.Static(WorkerHost.ParseGateways(gateways));
        if (gatewaysGiven) throw new ArgumentException("--gateways and --cluster both name the silos; give one");
        var spec = ClusterSpec.Parse(cluster);
        return spec.Kind switch
        {
            ClusterKind.Postgres => WorkerClustering.Postgres(spec.ConnectionString!),
            ClusterKind.Azure => WorkerClustering.Azure(spec.ConnectionString!),
            _ => WorkerClustering.Static(WorkerHost.ParseGateways(gateways)),
        };
    }

    /// <summary>
    /// The address gang peers dial when <c>--ring-host</c> is not given: <c>AMBER_RING_HOST</c> (a pod passes its
    /// <c>POD_IP</c>); with static gateways, the local address that reaches the first one (null for a loopback gateway:
    /// the ring stays on loopback); with <c>--cluster</c>, this host's first non-loopback IPv4 address.
    /// </summary>
    private static string? DefaultRingHost(string? cluster, string gateways)
    {
        if (Environment.GetEnvironmentVariable("AMBER_RING_HOST") is { Length: > 0 } env) return env;
        if (cluster is null) return RingHostToward(WorkerHost.ParseGateways(gateways)[0]);
        return System.Net.Dns.GetHostAddresses(System.Net.Dns.GetHostName())
            .FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !System.Net.IPAddress.IsLoopback(a))?.ToString();
    }

    /// <summary>
    /// The local address this host uses to reach <paramref name="gateway"/> (no packet is sent: connecting a UDP socket
    /// only picks the route), so gang peers on other hosts can dial this worker; null for a loopback gateway, where the
    /// ring stays on loopback.
    /// </summary>
    private static string? RingHostToward(System.Net.IPEndPoint gateway)
    {
        if (System.Net.IPAddress.IsLoopback(gateway.Address)) return null;
        using var probe = new System.Net.Sockets.Socket(gateway.AddressFamily, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        probe.Connect(gateway);
        return ((System.Net.IPEndPoint)probe.LocalEndPoint!).Address.ToString();
    }
}
