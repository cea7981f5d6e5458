using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Amber.Data.Corpora;
using Amber.Data.Features;
using Amber.Data.Iemocap;
using Amber.Data.Msp;
using Amber.Storage.Blobs.FileSystem;
using Spectre.Console;

namespace Amber.Cli.Commands;

/// <summary><c>amber features extract</c>: load a corpus, compute or import features, and store them as shards plus a manifest.</summary>
public sealed class FeaturesCommand : ICommandModule
{
    /// <inheritdoc />
    public Command Build()
    {
        var features = new Command("features", "Feature sets: extract built-in features or import encoder embeddings into shards");
        features.Subcommands.Add(Extract());
        return features;
    }

    private static Command Extract()
    {
        var corpus = new Option<string>("--corpus") { Description = "iemocap:<path>, msp:<path>, or a folder written by 'amber data synth'", Required = true };
        var outDir = new Option<string>("--out") { Description = "Blob-store folder to write the feature set into", Required = true };
        var prefix = new Option<string>("--prefix") { Description = "Blob prefix of the set", DefaultValueFactory = _ => "features/default" };
        var speech = new Option<string>("--speech") { Description = "builtin, npy:<folder of <id>.npy> or npy:<matrix.npy>,<ids.txt>", DefaultValueFactory = _ => "builtin" };
        var text = new Option<string>("--text") { Description = "tfidf (fitted per fold at training time) or an npy: source", DefaultValueFactory = _ => "tfidf" };
        var subset = new Option<string>("--subset") { Description = "consensus4 (default) or any-vote", DefaultValueFactory = _ => "consensus4" };
        var selfEvals = new Option<string>("--self-evals") { Description = "exclude (default) or include", DefaultValueFactory = _ => "exclude" };
        var extra = new Option<string?>("--extra-votes") { Description = "CSV utterance_id,annotator_id,label,source merged with the human votes" };
        var weight = new Option<double>("--extra-weight") { Description = "Weight w of the extra votes", DefaultValueFactory = _ => 1.0 };
        var shardRows = new Option<int>("--shard-rows") { Description = "Rows per shard", DefaultValueFactory = _ => FeatureSetStore.DefaultShardRows };
        var lenient = new Option<bool>("--lenient") { Description = "Skip and count malformed label lines" };
        var cmd = new Command("extract", "Compute or import features for a corpus and write shards + manifest")
        {
            corpus, outDir, prefix, speech, text, subset, selfEvals, extra, weight, shardRows, lenient,
        };
        cmd.SetAction((pr, ct) => CliErrors.RunAsync(async () =>
        {
            var sub = pr.GetValue(subset) switch
            {
                "consensus4" => IemocapSubset.Consensus4,
                "any-vote" => IemocapSubset.AnyVote,
                var v => throw new ArgumentException($"--subset '{v}' is unknown; expected consensus4 or any-vote"),
            };
            var include = pr.GetValue(selfEvals) switch
            {
                "exclude" => false,
                "include" => true,
                var v => throw new ArgumentException($"--self-evals '{v}' is unknown; expected exclude or include"),
            };
            var options = new FeaturePipelineOptions
            {
                Corpus = CorpusSpec.Parse(pr.GetValue(corpus)!),
                Iemocap = new IemocapOptions { Subset = sub, IncludeSelfEvaluations = include, Lenient = pr.GetValue(lenient) },
                Msp = new MspOptions { Subset = sub, Lenient = pr.GetValue(lenient) },
                Speech = pr.GetValue(speech)!,
                Text = pr.GetValue(text)!,
                ExtraVotesCsv = pr.GetValue(extra),
                ExtraVoteWeight = pr.GetValue(weight),
            };
            var clock = Stopwatch.StartNew();
            FeatureSet? set = null;
            LoadReport? report = null;
            AnsiConsole.Progress().AutoClear(true).Start(ctx =>
            {
                var task = ctx.AddTask("extracting features");
                task.IsIndeterminate = true;
                var progress = new Progress<int>(n => { task.IsIndeterminate = false; task.MaxValue = Math.Max(task.MaxValue, n); task.Value = n; });
                (set, report) = FeaturePipeline.Build(options, progress, ct);
            });
            double seconds = clock.Elapsed.TotalSeconds;
            var store = new FileSystemBlobStore(pr.GetValue(outDir)!);
            var manifest = await FeatureSetStore.WriteAsync(store, pr.GetValue(prefix)!, set!, pr.GetValue(shardRows), cancellationToken: ct);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{set!.Count} utterances ({report!.UtterancesRead} read, {report.Dropped.Values.Sum()} dropped) in {seconds:0.0} s = {set.Count / Math.Max(seconds, 1e-9):0} utterances/s on {Environment.ProcessorCount} cores"));
            Console.WriteLine($"speech {set.SpeechDim} dims ({set.SpeechSource}), text {(set.TextFeatures is null ? "tfidf per fold" : $"{set.TextDim} dims ({set.TextSource})")}");
            Console.WriteLine($"wrote {manifest.Shards.Length} shards + {FeatureSetStore.ManifestName(pr.GetValue(prefix)!)} to {Path.GetFullPath(pr.GetValue(outDir)!)} (content {manifest.ContentSha256[..16]})");
            return 0;
        }));
        return cmd;
    }
}
