using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Playwright;

namespace Amber.Dashboard.Tests;

/// <summary>The dashboard in a real Chromium against a real `amber run --dashboard` process.</summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardTests(DashboardHost host)
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Without_the_token_the_api_refuses_and_the_page_asks_to_sign_in()
    {
        await using var context = await host.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/dashboard/");
        await Assertions.Expect(page.GetByLabel("Access token")).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator("#sweeps-table").CountAsync());

        // The API itself: no token, a wrong token, and a cross-site style form post without the header → 401.
        using var http = new HttpClient { BaseAddress = new Uri(host.BaseUrl) };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/sweeps")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/events")).StatusCode);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/sweeps") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "not-the-token") } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);
        // What a hostile page's <form enctype="text/plain"> could send: no Authorization header, so no sweep.
        using var plain = new StringContent("name: csrf\nmethods: [ce]\n", System.Text.Encoding.UTF8, "text/plain");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync("/api/sweeps", plain)).StatusCode);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = "csrf", ["methods"] = "ce" });
        Assert.False((await http.PostAsync("/api/sweeps", form)).IsSuccessStatusCode);

        await page.GetByLabel("Access token").FillAsync("not-the-token");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator("#token-error")).ToContainTextAsync("not accepted");
        await page.ScreenshotAsync(new() { Path = Path.Combine(host.Artifacts, "sign-in-refused.png") });

        await page.GetByLabel("Access token").FillAsync(host.Token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator("#sweeps-table")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_printed_url_signs_in_drops_the_token_from_the_address_and_lists_sweeps()
    {
        await using var context = await host.NewContextAsync();
        var page = await host.SignedInPageAsync(context);
        Assert.DoesNotContain(host.Token, page.Url, StringComparison.Ordinal);
        var row = page.Locator("#sweeps-table tbody tr").Filter(new() { HasText = "quick" });
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row.Locator("progress")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#live")).ToHaveTextAsync("live");
        await page.ScreenshotAsync(new() { Path = Path.Combine(host.Artifacts, "sweeps.png") });
    }

    [Fact]
    public async Task A_sweep_submitted_through_the_form_completes_live_and_its_hostile_name_stays_text()
    {
        await using var context = await host.NewContextAsync();
        var page = await host.SignedInPageAsync(context);
        bool dialog = false;
        page.Dialog += (_, d) => { dialog = true; _ = d.DismissAsync(); };
        await page.GetByRole(AriaRole.Link, new() { Name = "New sweep" }).ClickAsync();

        const string hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>";
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync(hostile);
        await page.GetByLabel("Folds").FillAsync("1");
        await page.GetByLabel("Seeds").FillAsync("1");
        await page.GetByLabel("amber2", new() { Exact = true }).UncheckAsync();
        await page.Locator("#space-value-1").FillAsync("2");                  // max_epochs
        await page.Locator("#space-type-2").SelectOptionAsync("fixed");       // hidden: one value
        await page.Locator("#space-value-2").FillAsync("16");
        await page.GetByLabel("Max trials").FillAsync("1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Submit sweep" }).ClickAsync();

        try
        {
            await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#/sweep/sw-"), new() { Timeout = 30_000 });
        }
        catch (PlaywrightException)
        {
            await page.ScreenshotAsync(new() { Path = Path.Combine(host.Artifacts, "submit-failed.png"), FullPage = true });
            Assert.Fail($"the form did not open the new sweep: {await page.Locator("#form-problems").TextContentAsync()}\n{host.Output}");
        }
        await page.EvaluateAsync("() => { window.__sameDocument = true; }");
        await Assertions.Expect(page.Locator("#sweep-name")).ToHaveTextAsync(hostile);
        // Live: the status turns to succeeded through server-sent events, with no reload of the document.
        await Assertions.Expect(page.Locator("#sweep-status")).ToContainTextAsync("succeeded", new() { Timeout = (float)Long.TotalMilliseconds });
        await Assertions.Expect(page.Locator("#downloads a[data-file='summary.parquet']")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page reloaded instead of updating live");
        await Assertions.Expect(page.Locator("#folds-table tbody tr")).ToHaveCountAsync(1);
        Assert.Equal(0, await page.Locator("#sweep-header script, #sweep-header img").CountAsync());
        Assert.False(dialog, "a script in the sweep name ran");

        await page.GetByRole(AriaRole.Link, new() { Name = "Sweeps" }).ClickAsync();
        await Assertions.Expect(page.Locator("#sweeps-table tbody tr").Filter(new() { HasText = hostile })).ToHaveCountAsync(1);
        Assert.False(dialog, "a script in the sweep name ran on the list");
    }

    [Fact]
    public async Task A_bad_spec_shows_the_api_validation_error_next_to_the_field()
    {
        await using var context = await host.NewContextAsync();
        var page = await host.SignedInPageAsync(context);
        await page.GotoAsync("/dashboard/#/submit");
        await page.GetByLabel("Folds").FillAsync("0");
        await page.Locator("#space-value-0").FillAsync("-1");                 // lr must be > 0
        await page.GetByRole(AriaRole.Button, new() { Name = "Submit sweep" }).ClickAsync();

        await Assertions.Expect(page.Locator("#folds-error")).ToContainTextAsync("protocol.folds");
        await Assertions.Expect(page.GetByLabel("Folds")).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(page.Locator("[data-space-row]").Filter(new() { Has = page.Locator("[data-param='lr']") }).Locator(".error")).ToContainTextAsync("space.lr");
        await Assertions.Expect(page.Locator("#form-problems")).ToContainTextAsync("Invalid sweep specification");
        Assert.Contains("#/submit", page.Url, StringComparison.Ordinal);
        await page.ScreenshotAsync(new() { Path = Path.Combine(host.Artifacts, "validation-error.png"), FullPage = true });

        await page.GetByRole(AriaRole.Tab, new() { Name = "Paste YAML" }).ClickAsync();
        await page.Locator("#yaml").FillAsync("name: bad\nmethods: [ce]\nsampler: bayes\n");
        await page.GetByRole(AriaRole.Button, new() { Name = "Submit YAML" }).ClickAsync();
        await Assertions.Expect(page.Locator("#yaml-error")).ToContainTextAsync("sampler: line 3");
    }

    [Fact]
    public async Task The_sweep_page_draws_every_chart_and_downloads_parquet_and_csv()
    {
        string sweepId = await WaitForQuickSweepAsync();
        await using var context = await host.NewContextAsync();
        var page = await host.SignedInPageAsync(context);
        await page.GotoAsync($"/dashboard/#/sweep/{sweepId}");

        foreach (var chart in new[] { "comparison", "parallel", "curves", "confusion", "utterance-0" })
        {
            var block = page.Locator($"[data-chart='{chart}']");
            await Assertions.Expect(block).ToHaveAttributeAsync("data-drawn", new System.Text.RegularExpressions.Regex("^[1-9]"), new() { Timeout = 30_000 });
            await Assertions.Expect(block.Locator("canvas")).Not.ToHaveCountAsync(0);
        }
        // Two methods, four levels in the comparison table; the paper's per-level view.
        await Assertions.Expect(page.Locator("#levels-table tbody tr")).ToHaveCountAsync(8);
        await Assertions.Expect(page.Locator("#trials-table tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#folds-table tbody tr")).ToHaveCountAsync(5);
        await Assertions.Expect(page.Locator("#confusion-table")).ToContainTextAsync("test utterances");

        // Sorting is done by the server: ascending index puts trial #0 first, descending puts #1 first.
        await page.Locator("button[data-sort='index']").ClickAsync();
        await Assertions.Expect(page.Locator("#trials-table tbody tr").First).ToContainTextAsync("#0");
        await page.Locator("button[data-sort='index']").ClickAsync();
        await Assertions.Expect(page.Locator("#trials-table tbody tr").First).ToContainTextAsync("#1");

        await page.ScreenshotAsync(new() { Path = Path.Combine(host.Artifacts, "sweep.png"), FullPage = true });
        await page.Locator("#sweep-header").ScrollIntoViewIfNeededAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(host.Artifacts, "sweep-top.png") });

        // The amber2 trial has expert heads: its utterances show the speech and text experts beside the prediction.
        var amber2 = page.Locator("#trials-table tbody tr").Filter(new() { HasText = "amber2" });
        string index = (await amber2.Locator("td").First.InnerTextAsync()).Trim();
        await amber2.Locator("a").First.ClickAsync();
        await Assertions.Expect(page.Locator("#trial-detail h2").First).ToContainTextAsync($"Trial {index}");
        // amber2 against the ce trial, paired over the five folds: four metrics × four levels, each with both p-values.
        await Assertions.Expect(page.Locator("#vs-baseline tbody tr")).ToHaveCountAsync(16);
        await Assertions.Expect(page.Locator("#vs-baseline caption")).ToContainTextAsync("paired over folds × seeds");
        var firstRow = await page.Locator("#vs-baseline tbody tr").First.Locator("td").AllInnerTextsAsync();
        Assert.Equal(("bc", "all", "5"), (firstRow[0], firstRow[1], firstRow[2]));
        Assert.Matches(@"^[01]\.\d{3}$", firstRow[5]);
        Assert.Matches(@"^[01]\.\d{3}$", firstRow[6]);
        await Assertions.Expect(page.Locator("[data-chart='utterance-0']")).ToHaveAttributeAsync("data-drawn", new System.Text.RegularExpressions.Regex("^[1-9]"), new() { Timeout = 30_000 });
        var utterance = await page.RunAndWaitForDownloadAsync(() => page.Locator("button[data-csv='utterance-0']").ClickAsync());
        string utteranceCsv = await File.ReadAllTextAsync(await utterance.PathAsync());
        Assert.Contains("speech expert,", utteranceCsv, StringComparison.Ordinal);
        Assert.Contains("text expert,", utteranceCsv, StringComparison.Ordinal);
        Assert.StartsWith("distribution,neutral,happy,angry,sad", utteranceCsv, StringComparison.Ordinal);

        var csv = await page.RunAndWaitForDownloadAsync(() => page.Locator("button[data-csv='comparison']").ClickAsync());
        string csvText = await File.ReadAllTextAsync(await csv.PathAsync());
        Assert.StartsWith("method,trial,level,metric,mean,std,n", csvText, StringComparison.Ordinal);
        Assert.Contains(",high,bc,", csvText, StringComparison.Ordinal);

        var parquet = await page.RunAndWaitForDownloadAsync(() => page.Locator("#downloads a[data-file='summary.parquet']").ClickAsync());
        byte[] bytes = await File.ReadAllBytesAsync(await parquet.PathAsync());
        Assert.True(bytes.Length > 100, $"summary.parquet has {bytes.Length} bytes");
        Assert.Equal("PAR1"u8.ToArray(), bytes[..4]);
        Assert.Equal("PAR1"u8.ToArray(), bytes[^4..]);
        Assert.Equal("summary.parquet", parquet.SuggestedFilename);
    }

    [Fact]
    public async Task Cancel_on_the_sweep_page_cancels_a_running_sweep_and_the_workers_page_says_why_runs_wait()
    {
        using var http = Api();
        // 40 runs of 30 epochs on two workers: still running when the page opens; one run in parallel, so others wait.
        using var body = new StringContent("name: to-cancel\nmethods: [ce]\nprotocol: {folds: 5, seeds: [1, 2, 3, 4, 5, 6, 7, 8]}\n" +
            "space: {max_epochs: 30, patience: 30, hidden: 16}\nbudget: {max_parallel_runs: 1}\n", System.Text.Encoding.UTF8, "application/yaml");
        var created = await http.PostAsync("/api/sweeps", body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        string id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;

        await using var context = await host.NewContextAsync();
        var page = await host.SignedInPageAsync(context);
        await page.GotoAsync("/dashboard/#/workers");
        await Assertions.Expect(page.Locator("#waiting-table tbody tr").Filter(new() { HasText = "to-cancel" }).Last)
            .ToContainTextAsync(new System.Text.RegularExpressions.Regex("budget reached|no worker with capacity|features being prepared"));

        await page.GotoAsync($"/dashboard/#/sweep/{id}");
        page.Dialog += (_, d) => _ = d.AcceptAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel sweep" }).ClickAsync();
        await Assertions.Expect(page.Locator("#sweep-status")).ToContainTextAsync("cancelled", new() { Timeout = 30_000 });
        var sweep = JsonDocument.Parse(await http.GetStringAsync($"/api/sweeps/{id}")).RootElement;
        Assert.Equal("cancelled", sweep.GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_workers_page_lists_the_in_process_workers_with_capabilities()
    {
        await using var context = await host.NewContextAsync();
        var page = await host.SignedInPageAsync(context);
        await page.GetByRole(AriaRole.Link, new() { Name = "Workers" }).ClickAsync();
        var rows = page.Locator("#workers-table tbody tr[data-worker]");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.First).ToContainTextAsync("local-");
        await Assertions.Expect(rows.First).ToContainTextAsync("alive");
        await Assertions.Expect(page.Locator("#waiting-table")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Cluster health (Orleans)" })).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(host.Artifacts, "workers.png") });

        // The official Orleans dashboard opens through the session the link asks for (the browser cannot send the header).
        var refused = new System.Collections.Concurrent.ConcurrentBag<string>();
        page.Response += (_, r) => { if (r.Url.Contains("/orleans-dashboard/", StringComparison.Ordinal) && r.Status == 401) refused.Add(r.Url); };
        var response = await page.RunAndWaitForResponseAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Cluster health (Orleans)" }).ClickAsync(),
            r => r.Url.Contains("/orleans-dashboard/", StringComparison.Ordinal) && r.Request.IsNavigationRequest);
        Assert.Equal(200, response.Status);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        Assert.Empty(refused);   // the dashboard's own data calls carry the session too
        await page.ScreenshotAsync(new() { Path = Path.Combine(host.Artifacts, "orleans-dashboard.png") });
    }

    [Fact]
    public async Task Result_file_downloads_refuse_other_files_and_traversal_without_leaking_content()
    {
        string sweepId = await WaitForQuickSweepAsync();
        using var http = Api();
        var list = JsonDocument.Parse(await http.GetStringAsync($"/api/sweeps/{sweepId}/files")).RootElement;
        Assert.Equal(["summary.parquet"], list.EnumerateArray().Select(f => f.GetProperty("path").GetString()));
        string trial = sweepId + "-t000";
        var trialFiles = JsonDocument.Parse(await http.GetStringAsync($"/api/sweeps/{sweepId}/files?trial={trial}")).RootElement;
        Assert.Contains(trialFiles.EnumerateArray(), f => f.GetProperty("path").GetString() == $"{trial}/1-1/predictions.parquet");
        Assert.Equal(15, trialFiles.GetArrayLength()); // 5 folds × metrics, predictions, curves
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync($"/api/sweeps/{sweepId}/files?trial=..")).StatusCode);
        var detail = JsonDocument.Parse(await http.GetStringAsync($"/api/sweeps/{sweepId}/trials/{trial}/detail")).RootElement;
        Assert.Equal(5, detail.GetProperty("runs").GetArrayLength());
        Assert.Contains(detail.GetProperty("metrics").EnumerateArray(), m => m.GetProperty("name").GetString() == "bc" && m.GetProperty("level").GetString() == "high");
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync($"/api/sweeps/{sweepId}/files/summary.txt")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/sweeps/{sweepId}/files/none/x.parquet")).StatusCode);
        var traversal = await http.GetAsync($"/api/sweeps/{sweepId}/files/a%2F..%2F..%2F..%2Fstate.parquet");
        Assert.True(traversal.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"{traversal.StatusCode}");
        Assert.DoesNotContain("SQLite", await traversal.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var page = JsonDocument.Parse(await http.GetStringAsync($"/api/sweeps/{sweepId}/trial-table?sort=metric&limit=1")).RootElement;
        Assert.Equal(2, page.GetProperty("total").GetInt32());
        Assert.Single(page.GetProperty("rows").EnumerateArray());
        Assert.Equal(2, page.GetProperty("bestByMethod").GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync($"/api/sweeps/{sweepId}/trial-table?sort=nonsense")).StatusCode);
    }

    private HttpClient Api() => new()
    {
        BaseAddress = new Uri(host.BaseUrl),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", host.Token) },
    };

    /// <summary>The id of the quick sweep `amber run` submitted, once its results are written.</summary>
    private async Task<string> WaitForQuickSweepAsync()
    {
        using var http = Api();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            var sweeps = JsonDocument.Parse(await http.GetStringAsync("/api/sweeps")).RootElement;
            foreach (var s in sweeps.EnumerateArray())
                if (s.GetProperty("name").GetString() == "quick" && s.GetProperty("completed").GetBoolean()) return s.GetProperty("id").GetString()!;
            await Task.Delay(500);
        }
        throw new TimeoutException($"the quick sweep did not complete:\n{host.Output}");
    }
}
