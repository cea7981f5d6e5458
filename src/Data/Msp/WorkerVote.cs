using System.Globalization;
using System.Text.RegularExpressions;
using Amber.Data.Corpora;

namespace Amber.Data.Msp;

/// <summary>One worker's annotation of one file: primary emotion, secondary emotions, A/V/D.</summary>
internal sealed partial record WorkerVote(string Worker, string Primary, int PrimaryClass, string[] Secondary)
{
    /// <summary>
    /// Parses a worker line <c>WORKER00000001; Other-confused; Concerned,Confused; A:3.000000; V:3.000000; D:4.000000;</c>
    /// (the labels.txt form and the EmoDetail field of labels_detailed.csv).
    /// </summary>
    public static WorkerVote Parse(string text, string file, int line)
    {
        var parts = text.Split(';').Select(p => p.Trim()).ToList();
        if (parts.Count > 0 && parts[^1].Length == 0) parts.RemoveAt(parts.Count - 1);
        if (parts.Count < 2 || !WorkerId().IsMatch(parts[0]))
        {
            throw new DataFormatException(file, line, text, "worker line", text,
                "'WORKER<id>; <primary>; <secondary list>; A:<x>; V:<x>; D:<x>;'");
        }
        var primary = MspLabels.Primary(parts[1]) ?? throw new DataFormatException(file, line, text, "primary emotion", parts[1],
            "one of Angry, Sad, Happy, Surprise, Fear, Disgust, Contempt, Neutral or Other-<text>");
        var secondary = parts.Count > 2 && !parts[2].StartsWith("A:", StringComparison.Ordinal)
            ? parts[2].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];
        foreach (var attr in parts.Skip(2).Where(p => p.Length > 1 && p[1] == ':'))
        {
            if (!double.TryParse(attr[2..], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                throw new DataFormatException(file, line, text, attr[..1], attr[2..], "a number such as 3.000000");
            }
        }
        return new WorkerVote(parts[0], primary.Label, primary.Class, secondary);
    }

    [GeneratedRegex(@"^[A-Za-z]*\d+$", RegexOptions.CultureInvariant)]
    private static partial Regex WorkerId();
}
