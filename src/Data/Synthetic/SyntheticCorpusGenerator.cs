using System.Diagnostics;
using System.Globalization;
using System.Text;
using Amber.Data.Audio;
using Amber.Data.Corpora;
using Amber.Data.IO;

namespace Amber.Data.Synthetic;

/// <summary>What <see cref="SyntheticCorpusGenerator.Generate"/> wrote.</summary>
/// <param name="Root">The <c>IEMOCAP_full_release</c> folder (pass it, or its parent, to <c>IemocapLoader.Load</c>).</param>
/// <param name="Utterances">Evaluated utterances written.</param>
/// <param name="Dialogs">Dialog files written.</param>
/// <param name="ConflictUtterances">Utterances whose text was written from another emotion than their voice.</param>
/// <param name="AudioSeconds">Total audio duration.</param>
/// <param name="Elapsed">Wall time of the generation.</param>
public sealed record SyntheticCorpusSummary(string Root, int Utterances, int Dialogs, int ConflictUtterances, double AudioSeconds, TimeSpan Elapsed);

/// <summary>
/// Writes a synthetic corpus in the exact IEMOCAP layout (5 sessions × 2 actors, improvised and scripted dialogs,
/// EmoEvaluation files with external and self evaluations, transcriptions, 16 kHz mono PCM16 wavs), so the real loader
/// reads it. Each utterance has a latent emotion distribution; evaluators vote from it, the voice expresses it through
/// prosody and the words through the lexicon. A ground-truth table <c>synthetic_truth.csv</c> next to the sessions
/// records every latent choice and the in-class votes written, for analysis and round-trip tests.
/// </summary>
public static class SyntheticCorpusGenerator
{
    /// <summary>Name of the ground-truth table written in the corpus root.</summary>
    public const string TruthFile = "synthetic_truth.csv";

    /// <summary>Name of the file recording the options a corpus was generated with (JSON).</summary>
    public const string OptionsFile = "synthetic_options.json";

    private static readonly double[] ClassPrior = [0.31, 0.30, 0.20, 0.19];

    // Valence, activation, dominance targets (1–5) per class for the A-E lines.
    private static readonly double[][] VadPrototype = [[3.0, 2.3, 2.8], [4.0, 3.4, 3.1], [1.8, 3.8, 3.8], [2.0, 2.0, 2.1]];

    private static readonly string[] OutOfClassLabels = ["Frustration", "Surprise", "Other", "Fear", "Disgust"];
    private static readonly double[] OutOfClassWeights = [0.6, 0.15, 0.1, 0.1, 0.05];

    /// <summary>Generates the corpus under <paramref name="outDir"/>/IEMOCAP_full_release; deterministic for a seed.</summary>
    /// <param name="progress">Receives the number of utterances rendered so far.</param>
    public static SyntheticCorpusSummary Generate(SyntheticOptions options, string outDir, IProgress<int>? progress = null)
    {
        options.Validate();
        var clock = Stopwatch.StartNew();
        var root = Path.GetFullPath(Path.Combine(outDir, "IEMOCAP_full_release"));
        if (Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any())
        {
            // Leftover dialogs of an earlier, larger corpus would be read as part of this one: replace our own output only.
            if (!File.Exists(Path.Combine(root, TruthFile)))
            {
                throw new ArgumentException($"{root} exists and was not written by the synthetic generator; choose an empty output folder");
            }
            Directory.Delete(root, recursive: true);
        }
        Directory.CreateDirectory(root);

        var speakers = DrawSpeakers(options.Seed);
        var dialogs = Plan(options, speakers);
        var all = dialogs.SelectMany(d => d.Turns).ToArray();

        var durations = new double[all.Length];
        int done = 0;
        try
        {
            Parallel.For(0, all.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var turn = all[i];
            var rng = new Random(Sampling.Derive(options.Seed, 3, i));
            double channelNoise = 0.0012 * (1 + 0.4 * turn.Session);
            var audio = VoiceSynthesizer.Render(turn.Prosody, speakers[turn.Speaker], turn.Words, channelNoise, options.SampleRate, rng);
            durations[i] = audio.Length / (double)options.SampleRate;
            var wav = Path.Combine(root, $"Session{turn.Session}", "sentences", "wav", turn.Dialog, turn.Id + ".wav");
            Directory.CreateDirectory(Path.GetDirectoryName(wav)!);
            WavFile.WritePcm16(wav, audio, options.SampleRate);
            progress?.Report(Interlocked.Increment(ref done));
        });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // An I/O error on one wav (disk full, no permission) is reported as itself.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }

        int offset = 0;
        foreach (var dialog in dialogs)
        {
            WriteDialog(root, dialog, durations.AsSpan(offset, dialog.Turns.Count));
            offset += dialog.Turns.Count;
        }
        WriteTruth(Path.Combine(root, TruthFile), all);
        AtomicFile.WriteText(Path.Combine(root, OptionsFile), System.Text.Json.JsonSerializer.Serialize(options));
        return new SyntheticCorpusSummary(root, all.Length, dialogs.Count, all.Count(t => t.Conflict), durations.Sum(), clock.Elapsed);
    }

    private static Dictionary<string, SpeakerTraits> DrawSpeakers(int seed)
    {
        var rng = new Random(Sampling.Derive(seed, 1, 0));
        var result = new Dictionary<string, SpeakerTraits>(StringComparer.Ordinal);
        for (int s = 1; s <= 5; s++)
        {
            foreach (var g in new[] { "F", "M" })
            {
                var id = $"Ses{s:00}_{g}";
                result[id] = SpeakerTraits.Draw(id, g, rng);
            }
        }
        return result;
    }

    private sealed record Dialog(string Name, int Session, bool Improvised, List<Turn> Turns);

    private sealed record Turn(
        string Id, string Dialog, int Session, string Speaker, string Gender, int AudioClass, int TextClass, bool Conflict,
        double Lambda, double[] PiAudio, double[] PiText, double[] Pi, Prosody Prosody, int Words, string Text,
        List<(string Who, List<string> Labels)> Selections, List<(string Who, int[] Vad)> Attributes, double[] ClassVotes, string Consensus);

    private static List<Dialog> Plan(SyntheticOptions o, Dictionary<string, SpeakerTraits> speakers)
    {
        var dialogs = new List<Dialog>();
        for (int s = 1; s <= 5; s++)
        {
            int perSession = o.Utterances / 5 + (s <= o.Utterances % 5 ? 1 : 0);
            int count = Math.Clamp((int)Math.Round(perSession / 30.0), 2, 34);
            var names = DialogNames(s).Take(count).ToList();
            for (int d = 0; d < names.Count; d++)
            {
                int turns = perSession / count + (d < perSession % count ? 1 : 0);
                var rng = new Random(Sampling.Derive(o.Seed, 2, s * 100 + d));
                dialogs.Add(PlanDialog(o, names[d], s, turns, speakers, rng));
            }
        }
        return dialogs;
    }

    private static IEnumerable<string> DialogNames(int session)
    {
        var scripts = new List<string>();
        for (int a = 1; a <= 3; a++) for (int b = 1; b <= 3; b++) scripts.Add($"script0{a}_{b}");
        for (int i = 0; i < 9; i++)
        {
            foreach (var g in new[] { "F", "M" })
            {
                if (i < 8) yield return $"Ses{session:00}{g}_impro0{i + 1}";
            }
            foreach (var g in new[] { "F", "M" }) yield return $"Ses{session:00}{g}_{scripts[i]}";
        }
    }

    private static Dialog PlanDialog(SyntheticOptions o, string name, int session, int turns, Dictionary<string, SpeakerTraits> speakers, Random rng)
    {
        bool improvised = name.Contains("impro", StringComparison.Ordinal);
        int scenario = Sampling.Categorical(rng, ClassPrior);
        var prior = new double[EmotionClasses.Count];
        for (int c = 0; c < prior.Length; c++) prior[c] = 0.5 * ClassPrior[c] + (c == scenario ? 0.5 : 0);
        double excitedShare = improvised ? 0.65 : 0.35;
        var evaluatorPool = new[] { 1, 2, 3, 4, 5, 6 }.OrderBy(_ => rng.Next()).Take(Math.Max(o.Evaluators, 4)).Order().ToArray();
        var dialog = new Dialog(name, session, improvised, []);
        var counters = new Dictionary<string, int>(StringComparer.Ordinal) { ["F"] = 0, ["M"] = 0 };
        string gender = rng.NextDouble() < 0.5 ? "F" : "M";

        for (int t = 0; t < turns; t++)
        {
            if (t > 0 && rng.NextDouble() < 0.75) gender = gender == "F" ? "M" : "F";
            var id = $"{name}_{gender}{counters[gender]++:000}";
            var speaker = $"Ses{session:00}_{gender}";

            int audioClass = Sampling.Categorical(rng, prior);
            bool conflict = rng.NextDouble() < o.ModalityConflict;
            int textClass = audioClass;
            if (conflict)
            {
                textClass = (audioClass + 1 + rng.Next(EmotionClasses.Count - 1)) % EmotionClasses.Count;
            }
            var piAudio = Latent(o, audioClass, rng);
            var piText = conflict ? Latent(o, textClass, rng) : piAudio;
            double lambda = conflict ? 0.35 + 0.3 * rng.NextDouble() : 1.0;
            var pi = new double[EmotionClasses.Count];
            for (int c = 0; c < pi.Length; c++) pi[c] = lambda * piAudio[c] + (1 - lambda) * piText[c];

            var prosody = Prosody.Mix(piAudio, speakers[speaker], o.AcousticNoise, rng);
            int words = Math.Max(2, (int)Math.Round(o.MeanWords + 0.3 * o.MeanWords * Sampling.Normal(rng)));
            var text = Lexicon.Compose(piText, words, o.LexicalEmotionRate, rng);

            var selections = new List<(string, List<string>)>();
            var attributes = new List<(string, int[])>();
            var classVotes = new double[EmotionClasses.Count];
            var fineCounts = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var e in evaluatorPool.OrderBy(_ => rng.Next()).Take(o.Evaluators).Order())
            {
                var labels = new List<string> { VoteLabel(o, pi, excitedShare, rng, classVotes) };
                if (rng.NextDouble() < o.MultiLabelRate)
                {
                    var second = VoteLabel(o, pi, excitedShare, rng, classVotes);
                    if (!labels.Contains(second)) labels.Add(second);
                    else Unvote(second, classVotes);
                }
                foreach (var l in labels) fineCounts[l] = fineCounts.GetValueOrDefault(l) + 1;
                selections.Add(($"E{e}", labels));
                attributes.Add(($"E{e}", Vad(pi, rng)));
            }
            if (o.SelfEvaluations)
            {
                var self = new double[EmotionClasses.Count];
                selections.Add(($"{gender}1", [VoteLabel(o, piAudio, excitedShare, rng, self)]));
                attributes.Add(($"{gender}1", Vad(piAudio, rng)));
            }
            dialog.Turns.Add(new Turn(id, name, session, speaker, gender, audioClass, textClass, conflict, lambda, piAudio, piText, pi,
                prosody, words, text, selections, attributes, classVotes, Consensus(fineCounts, o.Evaluators)));
        }
        return dialog;
    }

    private static double[] Latent(SyntheticOptions o, int dominant, Random rng)
    {
        var alpha = new double[EmotionClasses.Count];
        for (int c = 0; c < alpha.Length; c++)
        {
            double mean = (1 - o.RaterAmbiguity) * (c == dominant ? 1 : 0) + o.RaterAmbiguity / EmotionClasses.Count;
            alpha[c] = Math.Max(1e-3, o.Concentration * mean);
        }
        return Sampling.Dirichlet(rng, alpha);
    }

    private static string VoteLabel(SyntheticOptions o, double[] pi, double excitedShare, Random rng, double[] classVotes)
    {
        if (rng.NextDouble() < o.OutOfClassRate) return OutOfClassLabels[Sampling.Categorical(rng, OutOfClassWeights)];
        int c = Sampling.Categorical(rng, pi);
        classVotes[c]++;
        return c switch
        {
            EmotionClasses.Neutral => "Neutral",
            EmotionClasses.Happy => rng.NextDouble() < excitedShare ? "Excited" : "Happiness",
            EmotionClasses.Angry => "Anger",
            _ => "Sadness",
        };
    }

    private static void Unvote(string label, double[] classVotes)
    {
        int c = label switch { "Neutral" => 0, "Excited" or "Happiness" => 1, "Anger" => 2, "Sadness" => 3, _ => -1 };
        if (c >= 0) classVotes[c]--;
    }

    private static int[] Vad(double[] pi, Random rng)
    {
        var v = new int[3];
        for (int k = 0; k < 3; k++)
        {
            double m = 0;
            for (int c = 0; c < pi.Length; c++) m += pi[c] * VadPrototype[c][k];
            v[k] = Math.Clamp((int)Math.Round(m + 0.6 * Sampling.Normal(rng)), 1, 5);
        }
        return v;
    }

    private static string Consensus(Dictionary<string, int> counts, int evaluators)
    {
        var best = counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        if (best.Count == 0 || best[0].Value * 2 <= evaluators || (best.Count > 1 && best[1].Value == best[0].Value)) return "xxx";
        return best[0].Key switch
        {
            "Neutral" => "neu",
            "Happiness" => "hap",
            "Excited" => "exc",
            "Anger" => "ang",
            "Sadness" => "sad",
            "Frustration" => "fru",
            "Surprise" => "sur",
            "Fear" => "fea",
            "Disgust" => "dis",
            _ => "oth",
        };
    }

    private static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);

    private static void WriteDialog(string root, Dialog dialog, ReadOnlySpan<double> durations)
    {
        var eval = new StringBuilder("% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]\n\n");
        var trans = new StringBuilder();
        double t = 0.5;
        for (int i = 0; i < dialog.Turns.Count; i++)
        {
            var u = dialog.Turns[i];
            double start = t, end = t + durations[i];
            t = end + 0.3;
            var external = u.Attributes.Where(a => a.Who[0] == 'E').ToList();
            double V(int k) => external.Count == 0 ? 3 : external.Average(a => a.Vad[k]);
            eval.Append(CultureInfo.InvariantCulture, $"[{F(start, "0.0000")} - {F(end, "0.0000")}]\t{u.Id}\t{u.Consensus}\t[{F(V(0), "0.0000")}, {F(V(1), "0.0000")}, {F(V(2), "0.0000")}]\n");
            foreach (var (who, labels) in u.Selections)
            {
                eval.Append(CultureInfo.InvariantCulture, $"C-{who}:\t{string.Concat(labels.Select(l => l + "; ")).TrimEnd()}\t()\n");
            }
            foreach (var (who, vad) in u.Attributes)
            {
                eval.Append(CultureInfo.InvariantCulture, $"A-{who}:\tval {vad[0]}; act {vad[1]}; dom  {vad[2]};\t()\n");
            }
            eval.Append('\n');
            trans.Append(CultureInfo.InvariantCulture, $"{u.Id} [{F(start, "000.0000")}-{F(end, "000.0000")}]: {u.Text}\n");
            if (dialog.Improvised && i == dialog.Turns.Count / 2)
            {
                // Real transcriptions hold unevaluated overlapping turns with XX ids; the loader must skip them.
                trans.Append(CultureInfo.InvariantCulture, $"{dialog.Name}_{u.Gender}XX0 [{F(end, "000.0000")}-{F(end + 0.2, "000.0000")}]: Mm-hmm.\n");
            }
        }
        var dir = Path.Combine(root, $"Session{dialog.Session}", "dialog");
        AtomicFile.WriteText(Path.Combine(dir, "EmoEvaluation", dialog.Name + ".txt"), eval.ToString());
        AtomicFile.WriteText(Path.Combine(dir, "transcriptions", dialog.Name + ".txt"), trans.ToString());
    }

    private static void WriteTruth(string path, IReadOnlyList<Turn> turns)
    {
        var sb = new StringBuilder("id,session,speaker,dialog,audio_class,text_class,conflict,lambda,");
        sb.Append(string.Join(',', EmotionClasses.Names.Select(n => "pi_audio_" + n))).Append(',');
        sb.Append(string.Join(',', EmotionClasses.Names.Select(n => "pi_text_" + n))).Append(',');
        sb.Append(string.Join(',', EmotionClasses.Names.Select(n => "pi_" + n))).Append(',');
        sb.Append(string.Join(',', EmotionClasses.Names.Select(n => "votes_" + n))).Append(",consensus\n");
        foreach (var u in turns)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{u.Id},{u.Session},{u.Speaker},{u.Dialog},{EmotionClasses.Names[u.AudioClass]},{EmotionClasses.Names[u.TextClass]},{(u.Conflict ? 1 : 0)},{F(u.Lambda, "0.####")},");
            sb.Append(string.Join(',', u.PiAudio.Select(p => F(p, "0.######")))).Append(',');
            sb.Append(string.Join(',', u.PiText.Select(p => F(p, "0.######")))).Append(',');
            sb.Append(string.Join(',', u.Pi.Select(p => F(p, "0.######")))).Append(',');
            sb.Append(string.Join(',', u.ClassVotes.Select(p => F(p, "0")))).Append(',').Append(u.Consensus).Append('\n');
        }
        AtomicFile.WriteText(path, sb.ToString());
    }
}
