using System.CommandLine;
using Amber.Dashboard;
using Amber.Silo.Auth;
using Amber.Silo.Hosting;
using Amber.Silo.Scheduling;
using Microsoft.Extensions.Logging;

namespace Amber.Cli.Commands;

/// <summary>
/// <c>amber silo --store sqlite:&lt;file&gt;|postgres:&lt;cs&gt; --blobs file:&lt;dir&gt;|azure:&lt;cs&gt; --urls &lt;url&gt;</c>: runs a silo
/// (state store, scheduler, HTTP API) until Ctrl+C. Tokens come from options or AMBER_USER_TOKENS / AMBER_JOIN_TOKEN.
/// </summary>
public sealed class SiloCommand : ICommandModule
{
    /// <inheritdoc />
    public Command Build()
    {
        var store = new Option<string>("--store") { Description = "State: sqlite:<file> (default .amber/state.db) or postgres:<connection string>", DefaultValueFactory = _ => "sqlite:.amber/state.db" };
        var blobs = new Option<string>("--blobs") { Description = "Artifacts: file:<dir> (default .amber/blobs) or azure:<connection string>", DefaultValueFactory = _ => "file:.amber/blobs" };
        var container = new Option<string>("--container") { Description = "Azure container for artifacts", DefaultValueFactory = _ => "amber" };
        var urls = new Option<string>("--urls") { Description = "Where the HTTP API listens", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var userTokens = new Option<string[]>("--user-token") { Description = "A user bearer token (repeatable); also AMBER_USER_TOKENS (comma-separated)", AllowMultipleArgumentsPerToken = false };
        var joinToken = new Option<string?>("--join-token") { Description = "The token workers register with; also AMBER_JOIN_TOKEN" };
        var lease = new Option<double>("--lease-seconds") { Description = "Lease duration", DefaultValueFactory = _ => 30 };
        var cmd = new Command("silo", "Run a silo: state store, scheduler and HTTP API (Ctrl+C stops it)") { store, blobs, container, urls, userTokens, joinToken, lease };
        cmd.SetAction((pr, ct) => SiloCliSupport.RunAsync(async () =>
        {
            var users = SiloCliSupport.Tokens(pr.GetValue(userTokens), "AMBER_USER_TOKENS");
            if (users.Count == 0) throw new ArgumentException("no user token: pass --user-token <token> or set AMBER_USER_TOKENS");
            string join = SiloCliSupport.Required(pr.GetValue(joinToken), "--join-token", "AMBER_JOIN_TOKEN");
            await using var stateStore = ConnectionSpecs.OpenStore(pr.GetValue(store)!);
            await stateStore.MigrateAsync(ct);
            var blobStore = ConnectionSpecs.OpenBlobs(pr.GetValue(blobs)!, pr.GetValue(container)!);
            using var logs = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
            await using var scheduler = new SiloScheduler(stateStore, blobStore,
                new SchedulerOptions { LeaseDuration = TimeSpan.FromSeconds(pr.GetValue(lease)) }, TimeProvider.System,
                SiloCliSupport.CompletionHandler(), logs.CreateLogger<SiloScheduler>());
            await using var app = SiloApplication.Build(scheduler, new SiloAuthOptions { UserTokens = users, JoinToken = join }, pr.GetValue(urls)!, LogLevel.Information);
            app.MapAmberDashboard();   // the dashboard at /dashboard/ (static files; data only through the API)
            await app.StartAsync(ct);
            Console.WriteLine($"amber silo {SiloCliSupport.Version}: {stateStore.Backend} state, API on {string.Join(", ", app.Urls)} (Ctrl+C to stop); dashboard at {string.Join(", ", app.Urls.Select(u => u.TrimEnd('/') + "/dashboard/"))}");
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
