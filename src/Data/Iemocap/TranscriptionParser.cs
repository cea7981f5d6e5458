using System.Text.RegularExpressions;
using Amber.Data.Corpora;

namespace Amber.Data.Iemocap;

/// <summary>
/// Reads a transcription file into id → text. Lines that are not <c>id [start-end]: text</c> utterance lines and ids
/// holding <c>XX</c> are skipped and counted (both occur in the real files), never an error.
/// </summary>
internal static partial class TranscriptionParser
{
    public static Dictionary<string, string> Parse(string path, LoadReport report)
    {
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0) continue;
            var m = Utterance().Match(line);
            if (!m.Success)
            {
                LoadReport.Count(report.SkippedLines, "transcription line that is not an utterance");
                continue;
            }
            var id = m.Groups["id"].Value;
            var parsed = UtteranceId.TryParse(id);
            if (parsed is null || parsed.IsUnlabelledTurn)
            {
                LoadReport.Count(report.SkippedLines, parsed is null ? "transcription line with a non-IEMOCAP id" : "transcription XX turn");
                continue;
            }
            texts[id] = m.Groups["text"].Value.Trim();
        }
        return texts;
    }

    [GeneratedRegex(@"^(?<id>\S+)\s+\[\d+(\.\d+)?-\d+(\.\d+)?\]:\s?(?<text>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex Utterance();
}
