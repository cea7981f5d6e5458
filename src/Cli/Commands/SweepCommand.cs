using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amber.Grains.Contracts;
using Amber.Silo.Api;
using Amber.Silo.Hosting;
using Spectre.Console;

namespace Amber.Cli.Commands;

/// <summary><c>amber sweep submit &lt;file&gt; | status &lt;id&gt; | results &lt;id&gt; | list | cancel &lt;id&gt; --silo &lt;url&gt; [--json]</c>.</summary>
public sealed class SweepCommand : ICommandModule
{
    private readonly Option<string> silo = new("--silo") { Description = "The silo's URL", DefaultValueFactory = _ => "http://127.0.0.1:5080", Recursive = true };
    private readonly Option<string?> token = new("--token") { Description = "User bearer token; also AMBER_TOKEN", Recursive = true };
    private readonly Option<bool> json = new("--json") { Description = "Print the API's JSON (for scripts)", Recursive = true };

    /// <inheritdoc />
    public Command Build()
    {
        var sweep = new Command("sweep", "Submit sweeps to a silo and follow them") { silo, token, json };
        sweep.Subcommands.Add(Submit());
        sweep.Subcommands.Add(Status());
        sweep.Subcommands.Add(Results());
        sweep.Subcommands.Add(List());
        sweep.Subcommands.Add(Cancel());
        sweep.Subcommands.Add(Watch());
        return sweep;
    }

    private HttpClient Client(ParseResult pr) => SiloCliSupport.Client(pr.GetValue(silo)!, SiloCliSupport.Required(pr.GetValue(token), "--token", "AMBER_TOKEN"));

    private Command Submit()
    {
        var file = new Argument<string>("file") { Description = "Sweep document (YAML or JSON)" };
        var cmd = new Command("submit", "Validate and queue a sweep") { file };
        cmd.SetAction((pr, ct) => SiloCliSupport.RunAsync(async () =>
        {
            string path = pr.GetValue(file)!;
            if (!File.Exists(path)) throw new FileNotFoundException($"sweep file '{path}' does not exist", path);
            string text = await File.ReadAllTextAsync(path, ct);
            using var http = Client(pr);
            var mediaType = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? "application/json" : "application/yaml";
            using var response = await http.PostAsync("api/sweeps", new StringContent(text, Encoding.UTF8, mediaType), ct);
            await SiloCliSupport.EnsureAsync(response, $"sweep {path} was refused");
            string body = await response.Content.ReadAsStringAsync(ct);
            if (pr.GetValue(json)) Console.WriteLine(body);
            else
            {
                var s = JsonSerializer.Deserialize<SweepView>(body, AmberSilo.Json)!;
                Console.WriteLine($"submitted {s.Id} '{s.Name}': {s.PlannedRuns} runs planned");
            }
            return 0;
        }));
        return cmd;
    }

    private Command Status()
    {
        var id = new Argument<string>("id") { Description = "Sweep id" };
        var cmd = new Command("status", "Show a sweep's progress and why its waiting runs wait") { id };
        cmd.SetAction((pr, ct) => SiloCliSupport.RunAsync(async () =>
        {
            using var http = Client(pr);
            string sid = Uri.EscapeDataString(pr.GetValue(id)!);
            using var sweepResponse = await http.GetAsync($"api/sweeps/{sid}", ct);
            await SiloCliSupport.EnsureAsync(sweepResponse, "status");
            using var runsResponse = await http.GetAsync($"api/sweeps/{sid}/runs", ct);
            await SiloCliSupport.EnsureAsync(runsResponse, "runs");
            string sweepJson = await sweepResponse.Content.ReadAsStringAsync(ct);
            string runsJson = await runsResponse.Content.ReadAsStringAsync(ct);
            if (pr.GetValue(json))
            {
                Console.WriteLine($"{{\"sweep\":{sweepJson},\"runs\":{runsJson}}}");
                return 0;
            }
            var s = JsonSerializer.Deserialize<SweepView>(sweepJson, AmberSilo.Json)!;
            var runs = JsonSerializer.Deserialize<RunView[]>(runsJson, AmberSilo.Json)!;
            Console.WriteLine($"{s.Id} '{s.Name}': {s.Status}; {s.Succeeded} succeeded, {s.Failed} failed, {s.Cancelled} cancelled, {s.ActiveRuns} active of {s.PlannedRuns} planned");
            var table = new Table().AddColumns("run", "status", "attempt", "workers", "why pending / last error");
            foreach (var r in runs.Where(r => r.Status is not "succeeded").Take(50))
                table.AddRow(Markup.Escape(r.Id), r.Status, r.Attempt.ToString(CultureInfo.InvariantCulture), Markup.Escape(string.Join(",", r.Workers)),
                    Markup.Escape(r.PendingReason ?? r.LastError ?? ""));
            if (table.Rows.Count > 0) AnsiConsole.Write(table);
            return 0;
        }));
        return cmd;
    }

    private Command Results()
    {
        var id = new Argument<string>("id") { Description = "Sweep id" };
        var level = new Option<string>("--level") { Description = "Ambiguity level to show (all, low, medium, high)", DefaultValueFactory = _ => "all" };
        var metrics = new Option<string>("--metrics") { Description = "Comma-separated test metrics to show (--json gives all)", DefaultValueFactory = _ => "bc,js,r2,f1_macro" };
        var cmd = new Command("results", "Per trial: mean ± std of the test metrics over folds × seeds") { id, level, metrics };
        cmd.SetAction((pr, ct) => SiloCliSupport.RunAsync(async () =>
        {
            using var http = Client(pr);
            using var response = await http.GetAsync($"api/sweeps/{Uri.EscapeDataString(pr.GetValue(id)!)}/results", ct);
            await SiloCliSupport.EnsureAsync(response, "results");
            string body = await response.Content.ReadAsStringAsync(ct);
            if (pr.GetValue(json))
            {
                Console.WriteLine(body);
                return 0;
            }
            var trials = JsonSerializer.Deserialize<TrialResultView[]>(body, AmberSilo.Json)!;
            string lvl = pr.GetValue(level)!;
            var wanted = pr.GetValue(metrics)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var present = trials.SelectMany(t => t.Metrics).Where(m => m.Split == "test" && m.Level == lvl).Select(m => m.Name).ToHashSet();
            var names = wanted.Where(present.Contains).ToList();
            // Only the parameters that differ between trials say what each row is.
            var varying = trials.SelectMany(t => t.Parameters.EnumerateObject()).GroupBy(p => p.Name)
                .Where(g => g.Select(p => p.Value.GetRawText()).Distinct().Count() > 1 || g.Key == "method").Select(g => g.Key).ToHashSet();
            // Plain aligned text sized for an 80-column terminal: compact cells (std without its leading zero), the run count
            // once per row, parameters cut to fit; --json gives everything.
            var header = new List<string> { "#", "parameters", "status", "n" };
            header.AddRange(names);
            var rows = new List<List<string>>();
            foreach (var t in trials)
            {
                int runs = t.Metrics.Where(m => m.Split == "test" && m.Level == lvl).Select(m => m.N).DefaultIfEmpty(0).Max();
                var row = new List<string> { t.Index.ToString(CultureInfo.InvariantCulture),
                    string.Join(" ", t.Parameters.EnumerateObject().Where(p => varying.Contains(p.Name)).Select(p => $"{p.Name}={p.Value}")),
                    t.Status, runs.ToString(CultureInfo.InvariantCulture) };
                foreach (var n in names)
                    row.Add(t.Metrics.FirstOrDefault(m => m.Split == "test" && m.Level == lvl && m.Name == n) is { } m
                        ? string.Create(CultureInfo.InvariantCulture, $"{m.Mean:0.000}±{m.Std:.000}") : "");
                rows.Add(row);
            }
            var widths = header.Select((h, c) => Math.Max(h.Length, rows.Select(r => r[c].Length).DefaultIfEmpty(0).Max())).ToArray();
            int others = widths.Sum() - widths[1] + 2 * (widths.Length - 1);
            widths[1] = Math.Clamp(80 - others, "parameters".Length, widths[1]);
            string Cut(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";
            string Line(IReadOnlyList<string> cells) => string.Join("  ", cells.Select((c, i) => i >= 3 ? Cut(c, widths[i]).PadLeft(widths[i]) : Cut(c, widths[i]).PadRight(widths[i]))).TrimEnd();
            Console.WriteLine($"test metrics, level {lvl}: mean±std over folds × seeds (n runs)");
            Console.WriteLine(Line(header));
            foreach (var r in rows) Console.WriteLine(Line(r));
            return 0;
        }));
        return cmd;
    }

    private Command List()
    {
        var cmd = new Command("list", "List sweeps, newest first");
        cmd.SetAction((pr, ct) => SiloCliSupport.RunAsync(async () =>
        {
            using var http = Client(pr);
            using var response = await http.GetAsync("api/sweeps", ct);
            await SiloCliSupport.EnsureAsync(response, "list");
            string body = await response.Content.ReadAsStringAsync(ct);
            if (pr.GetValue(json)) Console.WriteLine(body);
            else
                foreach (var s in JsonSerializer.Deserialize<SweepView[]>(body, AmberSilo.Json)!)
                    Console.WriteLine($"{s.Id}  {s.Status,-10} {s.Succeeded + s.Failed + s.Cancelled}/{s.PlannedRuns}  {s.Name}");
            return 0;
        }));
        return cmd;
    }

    private Command Watch()
    {
        var id = new Argument<string>("id") { Description = "Sweep id" };
        var cmd = new Command("watch", "Follow a sweep's events live until it completes") { id };
        cmd.SetAction((pr, ct) => SiloCliSupport.RunAsync(async () =>
        {
            using var http = Client(pr);
            http.Timeout = Timeout.InfiniteTimeSpan;
            string sid = Uri.EscapeDataString(pr.GetValue(id)!);
            using var events = await http.GetAsync($"api/events?sweep={sid}", HttpCompletionOption.ResponseHeadersRead, ct);
            await SiloCliSupport.EnsureAsync(events, "watch");
            // Subscribed first, then checked, so a sweep finishing in between is not waited on forever.
            using var current = await http.GetAsync($"api/sweeps/{sid}", ct);
            await SiloCliSupport.EnsureAsync(current, "status");
            var sweep = (await current.Content.ReadFromJsonAsync<SweepView>(AmberSilo.Json, ct))!;
            if (sweep.Completed)
            {
                Console.WriteLine($"{sweep.Id}: {sweep.Status} ({sweep.Succeeded} succeeded, {sweep.Failed} failed, {sweep.Cancelled} cancelled)");
                return 0;
            }
            using var reader = new StreamReader(await events.Content.ReadAsStreamAsync(ct));
            int finished = sweep.Succeeded + sweep.Failed + sweep.Cancelled;
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
                if (pr.GetValue(json)) Console.WriteLine(line["data: ".Length..]);
                var e = JsonSerializer.Deserialize<Amber.Grains.Contracts.SweepEvent>(line["data: ".Length..], AmberSilo.Json)!;
                if (e.Kind == "run-finished") finished++;
                if (!pr.GetValue(json) && e.Kind is not ("run-progress" or "subscribed"))
                    Console.WriteLine($"{DateTime.Now:HH:mm:ss} {e.Kind,-15} {e.RunId ?? e.Detail ?? e.SweepId} {e.Status} [{finished}/{sweep.PlannedRuns}]" +
                                      (e.Kind is "run-requeued" && e.Detail is not null ? $" ({e.Detail})" : ""));
                if (e.Kind == "sweep-completed") return e.Status is "succeeded" ? 0 : 1;
            }
            return 0;
        }));
        return cmd;
    }

    private Command Cancel()
    {
        var id = new Argument<string>("id") { Description = "Sweep id" };
        var cmd = new Command("cancel", "Cancel a sweep and its unfinished runs") { id };
        cmd.SetAction((pr, ct) => SiloCliSupport.RunAsync(async () =>
        {
            using var http = Client(pr);
            using var response = await http.PostAsync($"api/sweeps/{Uri.EscapeDataString(pr.GetValue(id)!)}/cancel", null, ct);
            await SiloCliSupport.EnsureAsync(response, "cancel");
            var s = (await response.Content.ReadFromJsonAsync<SweepView>(AmberSilo.Json, ct))!;
            Console.WriteLine(pr.GetValue(json) ? JsonSerializer.Serialize(s, AmberSilo.Json) : $"{s.Id}: {s.Status}");
            return 0;
        }));
        return cmd;
    }
}
