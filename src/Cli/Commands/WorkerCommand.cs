using System.CommandLine;
using Amber.Silo.Hosting;
using Amber.Silo.Scheduling;
using Amber.Silo.Workers;
using Microsoft.Extensions.Logging;

namespace Amber.Cli.Commands;

/// <summary><c>amber worker --silo &lt;url&gt;</c>: a worker process that registers with the join token and executes runs until Ctrl+C.</summary>
public sealed class WorkerCommand : ICommandModule
{
    /// <inheritdoc />
    public Command Build()
    {
        var silo = new Option<string>("--silo") { Description = "The silo's URL", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var joinToken = new Option<string?>("--join-token") { Description = "The silo's join token; also AMBER_JOIN_TOKEN" };
        var blobs = new Option<string>("--blobs") { Description = "Artifacts: file:<dir> or azure:<connection string, SAS URL, or blob endpoint URL for DefaultAzureCredential> (the silo's store)", DefaultValueFactory = _ => "file:.amber/blobs" };
        var container = new Option<string>("--container") { Description = "Azure container for artifacts", DefaultValueFactory = _ => "amber" };
        var slots = new Option<int>("--slots") { Description = "Runs executed at once", DefaultValueFactory = _ => 1 };
        var name = new Option<string>("--name") { Description = "Name shown by the silo", DefaultValueFactory = _ => Environment.MachineName };
        var executor = new Option<string>("--executor") { Description = "What a run does: training (default) or noop", DefaultValueFactory = _ => "training" };
        var cmd = new Command("worker", "Run a worker: lease runs from a silo and execute them (Ctrl+C stops it)") { silo, joinToken, blobs, container, slots, name, executor };
        cmd.SetAction((pr, ct) => SiloCliSupport.RunAsync(async () =>
        {
            if (pr.GetValue(slots) < 1) throw new ArgumentException($"--slots {pr.GetValue(slots)} must be at least 1");
            string join = SiloCliSupport.Required(pr.GetValue(joinToken), "--join-token", "AMBER_JOIN_TOKEN");
            var run = SiloCliSupport.Executor(pr.GetValue(executor)!);
            var blobStore = ConnectionSpecs.OpenBlobs(pr.GetValue(blobs)!, pr.GetValue(container)!);
            using var http = new HttpClient { BaseAddress = new Uri(pr.GetValue(silo)!.TrimEnd('/') + "/") };
            using var logs = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
            var agent = new WorkerAgent(new HttpWorkerProtocol(http, join), run, blobStore, new WorkerAgentOptions
            {
                Capabilities = new WorkerCapabilities(pr.GetValue(name)!, pr.GetValue(slots), Environment.ProcessorCount, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes >> 20),
                IdlePollInterval = TimeSpan.FromMilliseconds(500),
            }, logs.CreateLogger<WorkerAgent>());
            Console.WriteLine($"amber worker {SiloCliSupport.Version}: {pr.GetValue(slots)} slot(s), executor {run.GetType().Name}, silo {http.BaseAddress}");
            await agent.RunAsync(ct);
            Console.WriteLine($"worker {agent.WorkerId} stopped after {agent.Completed} run(s)");
            return 0;
        }));
        return cmd;
    }
}
