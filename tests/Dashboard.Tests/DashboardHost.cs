using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Amber.Dashboard.Tests;

/// <summary>
/// One real <c>amber run --quick --dashboard</c> process (embedded silo, in-process workers, the quick sweep) and one
/// headless Debian Chromium, shared by the tests of the collection. The tests reach the dashboard only through the URL
/// the process prints, exactly as a user does.
/// </summary>
public sealed partial class DashboardHost : IAsyncLifetime
{
    /// <summary>Debian's Chromium (apt-get install chromium); Playwright's own browser download is not used.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly StringBuilder output = new();
    private Process? process;
    private IPlaywright? playwright;

    /// <summary>The URL the process printed: …/dashboard/#token=….</summary>
    public string SignInUrl { get; private set; } = "";

    /// <summary>http://127.0.0.1:port.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>The one-time user token.</summary>
    public string Token { get; private set; } = "";

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where screenshots and downloads go (gitignored): tests/Dashboard.Tests/test-artifacts.</summary>
    public string Artifacts { get; } = Path.Combine(SourceFolder(), "test-artifacts");

    private readonly string workDir = Path.Combine(Path.GetTempPath(), "amber-dashboard-tests", Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath)) throw new InvalidOperationException($"{ChromiumPath} is missing: apt-get install -y chromium (test.sh does it)");
        Directory.CreateDirectory(Artifacts);
        Directory.CreateDirectory(workDir);
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var psi = new ProcessStartInfo(dotnet) { WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(typeof(Amber.Cli.Commands.RunCommand).Assembly.Location);
        foreach (var a in new[] { "run", "--quick", "--dashboard", "--out", Path.Combine(workDir, "out"), "--workers", "2" }) psi.ArgumentList.Add(a);
        process = Process.Start(psi)!;
        var url = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.AppendLine(e.Data);
            if (e.Data.StartsWith("dashboard: ", StringComparison.Ordinal)) url.TrySetResult(e.Data["dashboard: ".Length..].Trim());
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var done = await Task.WhenAny(url.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(120)));
        if (done != url.Task) throw new InvalidOperationException($"amber run --dashboard printed no URL:\n{Output}");
        SignInUrl = url.Task.Result;
        var m = UrlPattern().Match(SignInUrl);
        if (!m.Success) throw new InvalidOperationException($"unexpected dashboard URL '{SignInUrl}'");
        BaseUrl = m.Groups["base"].Value;
        Token = Uri.UnescapeDataString(m.Groups["token"].Value);

        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        });
    }

    /// <summary>What the process printed so far (for failure messages).</summary>
    public string Output { get { lock (output) return output.ToString(); } }

    /// <summary>A fresh browser context (no stored token) with a large viewport and downloads allowed.</summary>
    public Task<IBrowserContext> NewContextAsync() => Browser.NewContextAsync(new BrowserNewContextOptions
    {
        ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
        AcceptDownloads = true,
        BaseURL = BaseUrl,
    });

    /// <summary>A page signed in through the printed URL.</summary>
    public async Task<IPage> SignedInPageAsync(IBrowserContext context)
    {
        var page = await context.NewPageAsync();
        page.Console += (_, m) => { lock (output) output.AppendLine($"[browser {m.Type}] {m.Text}"); };
        page.PageError += (_, e) => { lock (output) output.AppendLine($"[browser error] {e}"); };
        page.RequestFailed += (_, r) => { lock (output) output.AppendLine($"[browser request failed] {r.Method} {r.Url} {r.Failure}"); };
        await page.GotoAsync(SignInUrl);
        await page.Locator("#sweeps-table").WaitForAsync();
        return page;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        playwright?.Dispose();
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process?.Dispose();
        try
        {
            Directory.Delete(workDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string SourceFolder([System.Runtime.CompilerServices.CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    [GeneratedRegex(@"^(?<base>http://127\.0\.0\.1:\d+)/dashboard/#token=(?<token>[^&\s]+)$")]
    private static partial Regex UrlPattern();
}

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardHost>
{
    public const string Name = "dashboard";
}
