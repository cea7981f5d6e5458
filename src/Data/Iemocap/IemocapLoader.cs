using Amber.Data.Corpora;

namespace Amber.Data.Iemocap;

/// <summary>
/// Loads <c>IEMOCAP_full_release/</c> (or a synthetic corpus in the same layout) into utterances with votes, soft and
/// hard labels, V/A/D, transcripts and wav paths.
/// </summary>
/// <remarks>
/// Only the top-level <c>dialog/EmoEvaluation/*.txt</c> files are read (the Categorical/ and Attribute/ subfolders also hold
/// .txt files) and AppleDouble <c>._*</c> files are skipped. Evaluator numbers are not restricted: any <c>C-E&lt;n&gt;</c> is
/// external (C-E5 is unconfirmed on the real corpus, so it is accepted like the others).
/// </remarks>
public static class IemocapLoader
{
    /// <summary>Loads the corpus under <paramref name="root"/> (the folder holding Session1…Session5, or its parent).</summary>
    /// <exception cref="DataFormatException">A malformed line (unless <see cref="IemocapOptions.Lenient"/>) or a missing layout.</exception>
    public static (Corpus Corpus, LoadReport Report) Load(string root, IemocapOptions? options = null)
    {
        options ??= new IemocapOptions();
        root = ResolveRoot(root);
        var report = new LoadReport { Corpus = "iemocap" };
        var classOf = BuildClassIndex(options.ClassMap);
        var kept = new List<Utterance>();
        var seen = new HashSet<string>(StringComparer.Ordinal);

        foreach (var sessionDir in Directory.GetDirectories(root, "Session*").Order(StringComparer.Ordinal))
        {
            var evalDir = Path.Combine(sessionDir, "dialog", "EmoEvaluation");
            if (!Directory.Exists(evalDir)) continue;
            foreach (var evalFile in Directory.GetFiles(evalDir, "*.txt", SearchOption.TopDirectoryOnly).Order(StringComparer.Ordinal))
            {
                var dialog = Path.GetFileNameWithoutExtension(evalFile);
                if (dialog.StartsWith("._", StringComparison.Ordinal)) continue;
                report.FilesRead++;
                var blocks = EmoEvaluationParser.Parse(evalFile, options.Lenient, report);
                var transcriptPath = Path.Combine(sessionDir, "dialog", "transcriptions", dialog + ".txt");
                var texts = File.Exists(transcriptPath) ? TranscriptionParser.Parse(transcriptPath, report) : [];
                if (File.Exists(transcriptPath)) report.FilesRead++;

                foreach (var block in blocks)
                {
                    report.UtterancesRead++;
                    if (!seen.Add(block.Id))
                    {
                        var dup = new DataFormatException(evalFile, block.Line, null, "utterance id", block.Id, "each utterance id to appear once in the corpus");
                        if (!options.Lenient) throw dup;
                        report.AddMalformed(dup);
                        continue;
                    }
                    var u = Build(block, sessionDir, dialog, texts, classOf, options, report);
                    if (u is not null) kept.Add(u);
                }
            }
        }
        if (report.FilesRead == 0)
        {
            throw new DataFormatException(root, 0, null, "layout", root,
                "Session1…Session5 folders holding dialog/EmoEvaluation/*.txt", "pass the IEMOCAP_full_release folder");
        }
        report.Summarize(kept);
        return (new Corpus("iemocap", root, kept), report);
    }

    private static Utterance? Build(EvaluationBlock block, string sessionDir, string dialog, Dictionary<string, string> texts,
        Dictionary<string, int> classOf, IemocapOptions options, LoadReport report)
    {
        var id = UtteranceId.TryParse(block.Id)!;
        var votes = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var classVotes = new double[EmotionClasses.Count];
        foreach (var (who, labels) in block.Selections)
        {
            bool external = who[0] == 'E';
            if (!external && !options.IncludeSelfEvaluations) continue;
            foreach (var label in labels)
            {
                votes[label] = votes.GetValueOrDefault(label) + 1;
                if (classOf.TryGetValue(label, out int c)) classVotes[c]++;
                else report.OutOfClassVotes[label] = report.OutOfClassVotes.GetValueOrDefault(label) + 1;
            }
        }

        int hard = classOf.TryGetValue(IemocapOptions.ConsensusCodes[block.Code], out int h) ? h : -1;
        var soft = SoftLabels.FromVotes(classVotes);
        if (soft is null)
        {
            LoadReport.Count(report.Dropped, "no in-class vote");
            return null;
        }
        if (options.Subset == IemocapSubset.Consensus4 && hard < 0)
        {
            LoadReport.Count(report.Dropped, "consensus outside the four classes");
            return null;
        }
        var wav = Path.Combine(sessionDir, "sentences", "wav", id.Dialog, block.Id + ".wav");
        bool hasWav = File.Exists(wav);
        if (!hasWav && options.RequireWav)
        {
            LoadReport.Count(report.Dropped, "missing wav");
            return null;
        }
        if (!texts.TryGetValue(block.Id, out var text))
        {
            LoadReport.Count(report.SkippedLines, "evaluated utterance without transcription");
            text = "";
        }
        return new Utterance
        {
            Id = block.Id,
            Session = id.Session,
            Speaker = id.Speaker,
            Gender = id.Gender,
            Dialog = dialog,
            WavPath = hasWav ? wav : null,
            Text = text,
            StartSeconds = block.Start,
            EndSeconds = block.End,
            Consensus = block.Code,
            Votes = votes,
            ClassVotes = classVotes,
            SoftLabel = soft,
            HardLabel = hard,
            Vad = block.Vad,
        };
    }

    /// <summary>Label → class index from a label → class-name map; unknown class names are a configuration error.</summary>
    internal static Dictionary<string, int> BuildClassIndex(IReadOnlyDictionary<string, string> map)
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (label, name) in map)
        {
            int c = EmotionClasses.IndexOf(name);
            if (c < 0) throw new ArgumentException($"class map sends '{label}' to '{name}'; expected one of {string.Join(", ", EmotionClasses.Names)}");
            result[label] = c;
        }
        return result;
    }

    private static string ResolveRoot(string root)
    {
        if (!Directory.Exists(root))
        {
            throw new DataFormatException(root, 0, null, "corpus folder", root, "an existing IEMOCAP_full_release folder");
        }
        if (Directory.GetDirectories(root, "Session*").Length == 0)
        {
            var inner = Path.Combine(root, "IEMOCAP_full_release");
            if (Directory.Exists(inner)) return Path.GetFullPath(inner);
        }
        return Path.GetFullPath(root);
    }
}
