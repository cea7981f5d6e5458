using System.Globalization;
using Amber.Data.Corpora;
using Amber.Data.Iemocap;

namespace Amber.Data.Msp;

/// <summary>
/// Loads MSP-Podcast (v1.6–v2.0 label layouts): speakers, gender, consensus, A/V/D and the official split from
/// <c>Labels/labels_consensus.csv</c>; per-worker votes from <c>Labels/labels_detailed.csv</c> (the <c>FileName,EmoDetail</c>
/// form or the <c>WorkerID|Workers, EmoClass_Major, EmoClass_Second, …</c> column form) or, when that file is absent,
/// from <c>Labels/labels.txt</c>; transcripts from <c>Transcripts/&lt;id&gt;.txt</c>.
/// </summary>
/// <remarks>
/// Choices where the format is unconfirmed: a worker who appears twice for a file counts once (the last line wins, the
/// duplicate is counted in the report); <c>SpkrID = Unknown</c> gives each utterance its own speaker id
/// (<c>msp_unknown_&lt;id&gt;</c>) so the speaker-independence check cannot merge strangers; Partition.txt and
/// Speaker_ids.txt are not read because labels_consensus.csv carries the same facts.
/// </remarks>
public static class MspPodcastLoader
{
    /// <summary>Loads the corpus under <paramref name="root"/> (the folder holding Labels/ and Audios/).</summary>
    public static (Corpus Corpus, LoadReport Report) Load(string root, MspOptions? options = null)
    {
        options ??= new MspOptions();
        root = Path.GetFullPath(root);
        var report = new LoadReport { Corpus = "msp-podcast" };
        var consensusPath = Path.Combine(root, "Labels", "labels_consensus.csv");
        if (!File.Exists(consensusPath))
        {
            throw new DataFormatException(consensusPath, 0, null, "layout", root, "a Labels/labels_consensus.csv file under the MSP-Podcast folder");
        }
        var rows = ReadConsensus(consensusPath, options, report);
        var detailed = Path.Combine(root, "Labels", "labels_detailed.csv");
        var txt = Path.Combine(root, "Labels", "labels.txt");
        var votes = File.Exists(detailed) && !(options.PreferLabelsTxt && File.Exists(txt)) ? ReadDetailed(detailed, options, report)
            : File.Exists(txt) ? ReadLabelsTxt(txt, options, report)
            : throw new DataFormatException(txt, 0, null, "layout", root, "Labels/labels_detailed.csv or Labels/labels.txt holding the workers' votes");

        var kept = new List<Utterance>();
        foreach (var row in rows)
        {
            report.UtterancesRead++;
            var u = Build(root, row, votes.GetValueOrDefault(row.Id), options, report);
            if (u is not null) kept.Add(u);
        }
        report.Summarize(kept);
        return (new Corpus("msp-podcast", root, kept), report);
    }

    private sealed record ConsensusRow(string Id, string FileName, string Code, double[] Vad, string Speaker, string Gender, string Split);

    private static List<ConsensusRow> ReadConsensus(string path, MspOptions options, LoadReport report)
    {
        report.FilesRead++;
        var rows = new List<ConsensusRow>();
        using var reader = new StreamReader(path);
        var header = Csv.Split(reader.ReadLine() ?? "") ?? [];
        int Col(string name)
        {
            int i = header.FindIndex(h => h.Trim().Equals(name, StringComparison.OrdinalIgnoreCase));
            return i >= 0 ? i : throw new DataFormatException(path, 1, string.Join(',', header), "header", name + " (missing)",
                "columns FileName,EmoClass,EmoAct,EmoVal,EmoDom,SpkrID,Gender,Split_Set");
        }
        int file = Col("FileName"), cls = Col("EmoClass"), act = Col("EmoAct"), val = Col("EmoVal"), dom = Col("EmoDom"),
            spk = Col("SpkrID"), gen = Col("Gender"), split = Col("Split_Set");
        int lineNo = 1;
        while (reader.ReadLine() is { } raw)
        {
            lineNo++;
            var line = raw.TrimEnd('\r');
            if (line.Length == 0) continue;
            try
            {
                var f = Csv.Split(line);
                if (f is null || f.Count < header.Count)
                {
                    throw new DataFormatException(path, lineNo, line, "row", f is null ? "unclosed quote" : $"{f.Count} fields", $"{header.Count} comma-separated fields");
                }
                var name = f[file].Trim();
                if (!name.EndsWith(".wav", StringComparison.OrdinalIgnoreCase)) throw new DataFormatException(path, lineNo, line, "FileName", name, "a .wav file name");
                double Num(int col, string field) => double.TryParse(f[col], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
                    : f[col].Trim().Length == 0 ? double.NaN
                    : throw new DataFormatException(path, lineNo, line, field, f[col], "a number on the 1–7 scale");
                var id = Path.GetFileNameWithoutExtension(name);
                var spkr = f[spk].Trim();
                var speaker = spkr.Length == 0 || spkr.Equals("Unknown", StringComparison.OrdinalIgnoreCase) ? "msp_unknown_" + id : "msp_" + spkr;
                var gender = f[gen].Trim() switch { "Male" or "M" => "M", "Female" or "F" => "F", _ => "U" };
                rows.Add(new ConsensusRow(id, name, f[cls].Trim(), [Num(val, "EmoVal"), Num(act, "EmoAct"), Num(dom, "EmoDom")], speaker, gender, f[split].Trim()));
            }
            catch (DataFormatException e) when (options.Lenient)
            {
                report.AddMalformed(e);
            }
        }
        return rows;
    }

    private static Dictionary<string, Dictionary<string, WorkerVote>> ReadDetailed(string path, MspOptions options, LoadReport report)
    {
        report.FilesRead++;
        var votes = new Dictionary<string, Dictionary<string, WorkerVote>>(StringComparer.Ordinal);
        using var reader = new StreamReader(path);
        var headerLine = reader.ReadLine() ?? "";
        var header = (Csv.Split(headerLine) ?? []).Select(h => h.Trim()).ToList();
        int file = header.FindIndex(h => h.Equals("FileName", StringComparison.OrdinalIgnoreCase));
        int detail = header.FindIndex(h => h.Equals("EmoDetail", StringComparison.OrdinalIgnoreCase));
        int worker = header.FindIndex(h => h is "WorkerID" or "Workers" or "Worker");
        int major = header.FindIndex(h => h.Equals("EmoClass_Major", StringComparison.OrdinalIgnoreCase));
        int second = header.FindIndex(h => h.Equals("EmoClass_Second", StringComparison.OrdinalIgnoreCase));
        if (file < 0 || (detail < 0 && (worker < 0 || major < 0)))
        {
            throw new DataFormatException(path, 1, headerLine, "header", headerLine,
                "'FileName,EmoDetail' or columns FileName, WorkerID (or Workers), EmoClass_Major, EmoClass_Second, EmoAct, EmoVal, EmoDom");
        }
        int lineNo = 1;
        while (reader.ReadLine() is { } raw)
        {
            lineNo++;
            var line = raw.TrimEnd('\r');
            if (line.Length == 0) continue;
            try
            {
                var f = Csv.Split(line);
                if (f is null || f.Count < header.Count)
                {
                    throw new DataFormatException(path, lineNo, line, "row", f is null ? "unclosed quote" : $"{f.Count} fields",
                        $"{header.Count} fields (an EmoDetail holding commas must be quoted)");
                }
                WorkerVote vote;
                if (detail >= 0)
                {
                    vote = WorkerVote.Parse(f[detail], path, lineNo);
                }
                else
                {
                    var p = MspLabels.Primary(f[major]) ?? throw new DataFormatException(path, lineNo, line, "EmoClass_Major", f[major],
                        "one of Angry, Sad, Happy, Surprise, Fear, Disgust, Contempt, Neutral, Other (or their one-letter codes)");
                    var sec = second >= 0 ? f[second].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
                    vote = new WorkerVote(f[worker].Trim(), p.Label, p.Class, sec);
                }
                Add(votes, Path.GetFileNameWithoutExtension(f[file].Trim()), vote, report);
            }
            catch (DataFormatException e) when (options.Lenient)
            {
                report.AddMalformed(e);
            }
        }
        return votes;
    }

    private static Dictionary<string, Dictionary<string, WorkerVote>> ReadLabelsTxt(string path, MspOptions options, LoadReport report)
    {
        report.FilesRead++;
        var votes = new Dictionary<string, Dictionary<string, WorkerVote>>(StringComparer.Ordinal);
        string? current = null;
        int lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0)
            {
                current = null;
                continue;
            }
            try
            {
                var first = line.Split(';')[0].Trim();
                if (first.EndsWith(".wav", StringComparison.OrdinalIgnoreCase))
                {
                    current = Path.GetFileNameWithoutExtension(first);
                    continue;
                }
                if (current is null)
                {
                    throw new DataFormatException(path, lineNo, line, "block", first, "a file line 'MSP-PODCAST_xxxx_xxxx.wav; <code>; A:..; V:..; D:..;' before worker lines");
                }
                Add(votes, current, WorkerVote.Parse(line, path, lineNo), report);
            }
            catch (DataFormatException e) when (options.Lenient)
            {
                report.AddMalformed(e);
            }
        }
        return votes;
    }

    private static void Add(Dictionary<string, Dictionary<string, WorkerVote>> votes, string id, WorkerVote vote, LoadReport report)
    {
        if (!votes.TryGetValue(id, out var byWorker)) votes[id] = byWorker = new(StringComparer.Ordinal);
        if (byWorker.ContainsKey(vote.Worker)) LoadReport.Count(report.SkippedLines, "duplicate worker annotation (last one kept)");
        byWorker[vote.Worker] = vote;
    }

    private static Utterance? Build(string root, ConsensusRow row, Dictionary<string, WorkerVote>? workers, MspOptions options, LoadReport report)
    {
        var raw = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var classVotes = new double[EmotionClasses.Count];
        foreach (var w in workers?.Values ?? Enumerable.Empty<WorkerVote>())
        {
            raw[w.Primary] = raw.GetValueOrDefault(w.Primary) + 1;
            if (w.PrimaryClass >= 0) classVotes[w.PrimaryClass]++;
            else report.OutOfClassVotes[w.Primary] = report.OutOfClassVotes.GetValueOrDefault(w.Primary) + 1;
            if (options.SecondaryWeight <= 0) continue;
            foreach (var s in w.Secondary)
            {
                int c = MspLabels.Secondary(s);
                if (c < 0) continue;
                classVotes[c] += options.SecondaryWeight;
                raw["secondary:" + s] = raw.GetValueOrDefault("secondary:" + s) + options.SecondaryWeight;
            }
        }
        var soft = SoftLabels.FromVotes(classVotes);
        if (soft is null)
        {
            LoadReport.Count(report.Dropped, workers is null ? "no worker votes" : "no in-class vote");
            return null;
        }
        int hard = MspLabels.Primary(row.Code)?.Class ?? -1;
        if (options.Subset == IemocapSubset.Consensus4 && hard < 0)
        {
            LoadReport.Count(report.Dropped, "consensus outside the four classes");
            return null;
        }
        var wav = Path.Combine(root, "Audios", row.FileName);
        bool hasWav = File.Exists(wav);
        if (!hasWav && options.RequireWav)
        {
            LoadReport.Count(report.Dropped, "missing wav");
            return null;
        }
        var transcript = Path.Combine(root, "Transcripts", row.Id + ".txt");
        return new Utterance
        {
            Id = row.Id,
            Speaker = row.Speaker,
            Gender = row.Gender,
            Split = row.Split,
            WavPath = hasWav ? wav : null,
            Text = File.Exists(transcript) ? File.ReadAllText(transcript).Trim() : "",
            Consensus = row.Code,
            Votes = raw,
            ClassVotes = classVotes,
            SoftLabel = soft,
            HardLabel = hard,
            Vad = row.Vad,
        };
    }
}
