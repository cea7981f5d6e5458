using System.CommandLine;
using System.Globalization;
using Amber.Data.Corpora;
using Amber.Data.Iemocap;
using Amber.Data.Msp;
using Amber.Data.Synthetic;
using Spectre.Console;

namespace Amber.Cli.Commands;

/// <summary><c>amber data synth|inspect</c>: write a synthetic IEMOCAP-shaped corpus, or load a corpus and print its votes, soft labels and load report.</summary>
public sealed class DataCommand : ICommandModule
{
    /// <inheritdoc />
    public Command Build()
    {
        var data = new Command("data", "Corpora: synthesize an IEMOCAP-shaped corpus or inspect a real one");
        data.Subcommands.Add(Synth());
        data.Subcommands.Add(Inspect());
        return data;
    }

    private static Command Synth()
    {
        var defaults = new SyntheticOptions();
        var outDir = new Option<string>("--out") { Description = "Folder to write IEMOCAP_full_release/ into", Required = true };
        var count = new Option<int>("--utterances") { Description = "Evaluated utterances (IEMOCAP has 10,039)", DefaultValueFactory = _ => defaults.Utterances };
        var seed = new Option<int>("--seed") { Description = "Seed; the same seed gives identical files", DefaultValueFactory = _ => defaults.Seed };
        var ambiguity = new Option<double>("--rater-ambiguity") { Description = "0..1: share of each latent emotion distribution spread over all classes", DefaultValueFactory = _ => defaults.RaterAmbiguity };
        var conflict = new Option<double>("--modality-conflict") { Description = "0..1: share of utterances whose words express another emotion than their voice", DefaultValueFactory = _ => defaults.ModalityConflict };
        var cmd = new Command("synth", "Write a synthetic corpus in the exact IEMOCAP layout") { outDir, count, seed, ambiguity, conflict };
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            var options = new SyntheticOptions
            {
                Utterances = pr.GetValue(count),
                Seed = pr.GetValue(seed),
                RaterAmbiguity = pr.GetValue(ambiguity),
                ModalityConflict = pr.GetValue(conflict),
            };
            SyntheticCorpusSummary? summary = null;
            AnsiConsole.Progress().AutoClear(true).Start(ctx =>
            {
                var task = ctx.AddTask("rendering utterances", maxValue: options.Utterances);
                var progress = new Progress<int>(n => task.Value = Math.Max(task.Value, n));
                summary = SyntheticCorpusGenerator.Generate(options, pr.GetValue(outDir)!, progress);
                task.Value = options.Utterances;
            });
            var s = summary!;
            System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {s.Utterances} utterances in {s.Dialogs} dialogs ({s.AudioSeconds / 60:0.0} min of audio, {s.ConflictUtterances} with modality conflict) to {s.Root} in {s.Elapsed.TotalSeconds:0.0} s"));
            return 0;
        }));
        return cmd;
    }

    private static Command Inspect()
    {
        var corpus = new Option<string>("--corpus") { Description = "iemocap:<path> or msp:<path>", Required = true };
        var json = new Option<bool>("--json") { Description = "Print one JSON document on standard output" };
        var subset = new Option<string>("--subset") { Description = "consensus4 (default) or any-vote", DefaultValueFactory = _ => "consensus4" };
        var selfEvals = new Option<string>("--self-evals") { Description = "exclude (default) or include the actors' self-evaluations", DefaultValueFactory = _ => "exclude" };
        var lenient = new Option<bool>("--lenient") { Description = "Skip and count malformed lines instead of stopping at the first" };
        var secondary = new Option<double>("--msp-secondary-weight") { Description = "MSP-Podcast: weight of secondary emotions (default 0)" };
        var noWav = new Option<bool>("--allow-missing-wav") { Description = "Keep utterances whose wav file is missing" };
        var extra = new Option<string?>("--extra-votes") { Description = "CSV utterance_id,annotator_id,label,source merged with the human votes" };
        var weight = new Option<double>("--extra-weight") { Description = "Weight w of the extra votes", DefaultValueFactory = _ => 1.0 };
        var cmd = new Command("inspect", "Load a corpus; print per-utterance votes, soft labels and the load report")
        {
            corpus, json, subset, selfEvals, lenient, secondary, noWav, extra, weight,
        };
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            var sub = pr.GetValue(subset) switch
            {
                "consensus4" => IemocapSubset.Consensus4,
                "any-vote" => IemocapSubset.AnyVote,
                var v => throw new ArgumentException($"--subset '{v}' is unknown; expected consensus4 or any-vote"),
            };
            bool include = pr.GetValue(selfEvals) switch
            {
                "exclude" => false,
                "include" => true,
                var v => throw new ArgumentException($"--self-evals '{v}' is unknown; expected exclude or include"),
            };
            var spec = CorpusSpec.Parse(pr.GetValue(corpus)!);
            var (c, report) = spec.Load(
                new IemocapOptions { Subset = sub, IncludeSelfEvaluations = include, Lenient = pr.GetValue(lenient), RequireWav = !pr.GetValue(noWav) },
                new MspOptions { Subset = sub, Lenient = pr.GetValue(lenient), SecondaryWeight = pr.GetValue(secondary), RequireWav = !pr.GetValue(noWav) });
            if (pr.GetValue(extra) is { } extraPath)
            {
                var (merged, merge) = ExtraVotes.Merge(c, ExtraVotes.Load(extraPath), pr.GetValue(weight));
                c = merged;
                System.Console.Error.WriteLine($"extra votes: {merge.Matched} merged, {merge.UnknownUtterance} for unknown utterances, {merge.OutOfClass} outside the classes");
            }
            if (pr.GetValue(json))
            {
                using var stdout = System.Console.OpenStandardOutput();
                CorpusJson.Write(stdout, c, report);
                stdout.Write("\n"u8);
                return 0;
            }
            PrintText(c, report);
            return 0;
        }));
        return cmd;
    }

    private static void PrintText(Corpus corpus, LoadReport r)
    {
        var w = System.Console.Out;
        w.WriteLine("id\tsession\tspeaker\tgender\tconsensus\tvotes\tsoft_label(" + string.Join(',', corpus.Classes) + ")\thard_label");
        foreach (var u in corpus.Utterances)
        {
            var votes = string.Join(' ', u.Votes.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key}:{kv.Value:0.##}")));
            var soft = string.Join(',', u.SoftLabel.Select(p => p.ToString("0.000", CultureInfo.InvariantCulture)));
            w.WriteLine($"{u.Id}\t{u.Session}\t{u.Speaker}\t{u.Gender}\t{u.Consensus}\t{votes}\t{soft}\t{(u.HardLabel >= 0 ? corpus.Classes[u.HardLabel] : "-")}");
        }
        w.WriteLine();
        w.WriteLine($"corpus {r.Corpus}: {r.FilesRead} files, {r.UtterancesRead} utterances read, {r.Kept} kept, {r.MalformedLines} malformed lines skipped");
        foreach (var (k, v) in r.Dropped) w.WriteLine($"  dropped  {v,7}  {k}");
        foreach (var (k, v) in r.SkippedLines) w.WriteLine($"  skipped  {v,7}  {k}");
        foreach (var (k, v) in r.OutOfClassVotes) w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  out-of-class votes {v,7:0.##}  {k}"));
        w.WriteLine("  votes per utterance: " + string.Join(", ", r.VotesPerUtterance.Select(kv => $"{kv.Key}: {kv.Value}")));
        w.WriteLine("  class balance (argmax soft label): " + string.Join(", ", r.ClassBalance.Select(kv => $"{kv.Key} {kv.Value}")));
        w.WriteLine("  hard labels: " + string.Join(", ", r.HardLabelBalance.Select(kv => $"{kv.Key} {kv.Value}")));
        w.WriteLine("  normalized entropy histogram (10 bins over [0,1]): " + string.Join(' ', r.EntropyHistogram));
        foreach (var m in r.Messages) w.WriteLine("  malformed: " + m.Replace("\n", "\n    ", StringComparison.Ordinal));
    }
}
