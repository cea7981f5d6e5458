using Amber.Data.Msp;

namespace Amber.Data.Corpora;

/// <summary>One non-human vote: <c>utterance_id,annotator_id,label,source</c>.</summary>
public sealed record ExtraVote(string UtteranceId, string AnnotatorId, string Label, string Source);

/// <summary>What a merge did.</summary>
/// <param name="Matched">Votes merged into a kept utterance.</param>
/// <param name="UnknownUtterance">Votes whose utterance is not in the corpus (dropped).</param>
/// <param name="OutOfClass">Votes whose label is outside the four classes (dropped from the distribution, counted).</param>
/// <param name="Sources">Votes merged per source.</param>
public sealed record ExtraVoteMergeReport(int Matched, int UnknownUtterance, int OutOfClass, IReadOnlyDictionary<string, int> Sources);

/// <summary>
/// Extra annotator votes (e.g. an audio-language model prompted several times per utterance) merged with the human votes:
/// y_c = (n_h,c + w·n_s,c) / (N_h + w·N_s). Each merged utterance's <c>LabelSource</c> becomes <c>human+&lt;sources&gt;</c>
/// so results can be split by label source.
/// </summary>
public static class ExtraVotes
{
    /// <summary>Reads the CSV (header <c>utterance_id,annotator_id,label,source</c>).</summary>
    public static List<ExtraVote> Load(string path)
    {
        var votes = new List<ExtraVote>();
        int lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0) continue;
            var f = Csv.Split(line);
            if (lineNo == 1)
            {
                var header = f is null ? "" : string.Join(',', f.Select(x => x.Trim()));
                if (header != "utterance_id,annotator_id,label,source")
                {
                    throw new DataFormatException(path, 1, line, "header", line, "'utterance_id,annotator_id,label,source'");
                }
                continue;
            }
            if (f is null || f.Count != 4 || f.Any(x => x.Trim().Length == 0))
            {
                throw new DataFormatException(path, lineNo, line, "row", line, "4 non-empty fields: utterance_id,annotator_id,label,source");
            }
            votes.Add(new ExtraVote(f[0].Trim(), f[1].Trim(), f[2].Trim(), f[3].Trim()));
        }
        return votes;
    }

    /// <summary>
    /// Class of a vote label: a class name (neutral, happy, angry, sad), an IEMOCAP label (Excited counts as happy) or an
    /// MSP-Podcast name or code; -1 otherwise.
    /// </summary>
    public static int ClassOf(string label)
    {
        int c = EmotionClasses.IndexOf(label);
        if (c >= 0) return c;
        return label switch
        {
            "Neutral" => EmotionClasses.Neutral,
            "Happiness" or "Excited" or "Happy" or "H" => EmotionClasses.Happy,
            "Anger" or "Angry" or "A" => EmotionClasses.Angry,
            "Sadness" or "Sad" or "S" => EmotionClasses.Sad,
            "N" => EmotionClasses.Neutral,
            _ => -1,
        };
    }

    /// <summary>Returns a corpus whose utterances carry the merged soft labels (the input corpus is unchanged).</summary>
    public static (Corpus Corpus, ExtraVoteMergeReport Report) Merge(Corpus corpus, IReadOnlyList<ExtraVote> votes, double weight = 1.0)
    {
        if (weight < 0) throw new ArgumentOutOfRangeException(nameof(weight), weight, "the extra-vote weight w must be ≥ 0");
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < corpus.Utterances.Count; i++) index[corpus.Utterances[i].Id] = i;
        var extra = new double[corpus.Utterances.Count][];
        var sources = new SortedSet<string>[corpus.Utterances.Count];
        var perSource = new SortedDictionary<string, int>(StringComparer.Ordinal);
        int matched = 0, unknown = 0, outOfClass = 0;
        foreach (var v in votes)
        {
            if (!index.TryGetValue(v.UtteranceId, out int i))
            {
                unknown++;
                continue;
            }
            int c = ClassOf(v.Label);
            if (c < 0)
            {
                outOfClass++;
                continue;
            }
            extra[i] ??= new double[EmotionClasses.Count];
            extra[i][c]++;
            (sources[i] ??= new SortedSet<string>(StringComparer.Ordinal)).Add(v.Source);
            perSource[v.Source] = perSource.GetValueOrDefault(v.Source) + 1;
            matched++;
        }
        var merged = new List<Utterance>(corpus.Utterances.Count);
        for (int i = 0; i < corpus.Utterances.Count; i++)
        {
            var u = corpus.Utterances[i];
            if (extra[i] is null)
            {
                merged.Add(u);
                continue;
            }
            merged.Add(u with
            {
                ExtraClassVotes = extra[i],
                ExtraVoteWeight = weight,
                SoftLabel = SoftLabels.FromVotes(u.ClassVotes, extra[i], weight) ?? u.SoftLabel,
                LabelSource = "human+" + string.Join('+', sources[i]),
            });
        }
        return (corpus with { Utterances = merged }, new ExtraVoteMergeReport(matched, unknown, outOfClass, perSource));
    }
}
