using Amber.Dashboard;
using Microsoft.AspNetCore.Builder;

namespace Amber.Cli.Commands;

/// <summary>
/// <c>amber run --dashboard</c>: the embedded silo serves its HTTP API and the dashboard on 127.0.0.1 and a free port,
/// with a user token generated for this process only. The printed URL carries that token in its fragment, as Jupyter
/// does: without it the API answers 401. After the sweep the process keeps serving (and its workers keep running sweeps
/// submitted from the dashboard) until Ctrl+C.
/// </summary>
internal static class RunDashboard
{
    /// <summary>Loopback only, a free port.</summary>
    public const string Url = "http://127.0.0.1:0";

    /// <summary>Maps the dashboard next to the API.</summary>
    public static void Configure(WebApplication app) => app.MapAmberDashboard();

    /// <summary>Prints the sign-in URL (one line starting with "dashboard: ", which scripts and tests read).</summary>
    public static void PrintUrl(Uri address, string token) =>
        Console.WriteLine($"dashboard: {DashboardEndpoints.SignInUrl(address, token)}");

    /// <summary>Keeps the process (and so the dashboard) alive after the sweep until the user stops it.</summary>
    public static async Task ServeUntilStoppedAsync(Uri address, string token, CancellationToken ct)
    {
        Console.WriteLine($"the sweep is done; the dashboard keeps serving at {DashboardEndpoints.SignInUrl(address, token)} (Ctrl+C to stop)");
        try
        {
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
