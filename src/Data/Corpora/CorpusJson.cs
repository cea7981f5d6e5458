using System.Text.Json;

namespace Amber.Data.Corpora;

/// <summary>
/// The JSON document of <c>amber data inspect --json</c>: <c>{"classes": [...], "utterances": [{"id", "session", "speaker",
/// "gender", "consensus", "votes", "soft_label", "hard_label", ...}], "report": {...}}</c>. <c>hard_label</c> is a class
/// name or null when the consensus is outside the four classes.
/// </summary>
public static class CorpusJson
{
    /// <summary>Writes the whole document to <paramref name="stream"/> (UTF-8, indented).</summary>
    public static void Write(Stream stream, Corpus corpus, LoadReport report)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteStartArray("classes");
        foreach (var c in corpus.Classes) w.WriteStringValue(c);
        w.WriteEndArray();
        w.WriteStartArray("utterances");
        foreach (var u in corpus.Utterances) WriteUtterance(w, u);
        w.WriteEndArray();
        w.WritePropertyName("report");
        WriteReport(w, report);
        w.WriteEndObject();
    }

    private static void WriteUtterance(Utf8JsonWriter w, Utterance u)
    {
        w.WriteStartObject();
        w.WriteString("id", u.Id);
        w.WriteNumber("session", u.Session);
        w.WriteString("speaker", u.Speaker);
        w.WriteString("gender", u.Gender);
        if (u.Split.Length > 0) w.WriteString("split", u.Split);
        w.WriteString("consensus", u.Consensus);
        w.WriteStartObject("votes");
        foreach (var (label, n) in u.Votes) w.WriteNumber(label, n);
        w.WriteEndObject();
        w.WriteStartArray("soft_label");
        foreach (var p in u.SoftLabel) w.WriteNumberValue(p);
        w.WriteEndArray();
        if (u.HardLabel >= 0) w.WriteString("hard_label", EmotionClasses.Names[u.HardLabel]);
        else w.WriteNull("hard_label");
        if (u.ExtraVoteWeight > 0 && u.ExtraClassVotes.Any(v => v > 0))
        {
            // Extra (non-human) votes per class and their weight, so merged labels can be traced and split by source.
            w.WriteStartObject("extra_votes");
            for (int c = 0; c < EmotionClasses.Count; c++) w.WriteNumber(EmotionClasses.Names[c], u.ExtraClassVotes[c]);
            w.WriteEndObject();
            w.WriteNumber("extra_vote_weight", u.ExtraVoteWeight);
        }
        w.WriteString("label_source", u.LabelSource);
        w.WriteString("text", u.Text);
        if (u.WavPath is null) w.WriteNull("wav");
        else w.WriteString("wav", u.WavPath);
        w.WriteEndObject();
    }

    /// <summary>Writes the load report as one JSON object.</summary>
    public static void WriteReport(Utf8JsonWriter w, LoadReport r)
    {
        w.WriteStartObject();
        w.WriteString("corpus", r.Corpus);
        w.WriteNumber("files_read", r.FilesRead);
        w.WriteNumber("utterances_read", r.UtterancesRead);
        w.WriteNumber("kept", r.Kept);
        Counter(w, "dropped", r.Dropped);
        Counter(w, "skipped_lines", r.SkippedLines);
        w.WriteNumber("malformed_lines", r.MalformedLines);
        w.WriteStartArray("messages");
        foreach (var m in r.Messages) w.WriteStringValue(m);
        w.WriteEndArray();
        w.WriteStartObject("out_of_class_votes");
        foreach (var (k, v) in r.OutOfClassVotes) w.WriteNumber(k, v);
        w.WriteEndObject();
        w.WriteStartObject("votes_per_utterance");
        foreach (var (k, v) in r.VotesPerUtterance) w.WriteNumber(k.ToString(System.Globalization.CultureInfo.InvariantCulture), v);
        w.WriteEndObject();
        Counter(w, "class_balance", r.ClassBalance);
        Counter(w, "hard_label_balance", r.HardLabelBalance);
        w.WriteStartArray("entropy_histogram");
        foreach (var v in r.EntropyHistogram) w.WriteNumberValue(v);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Counter(Utf8JsonWriter w, string name, SortedDictionary<string, int> counter)
    {
        w.WriteStartObject(name);
        foreach (var (k, v) in counter) w.WriteNumber(k, v);
        w.WriteEndObject();
    }
}
