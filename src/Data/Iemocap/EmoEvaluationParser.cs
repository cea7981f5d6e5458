using System.Globalization;
using System.Text.RegularExpressions;
using Amber.Data.Corpora;

namespace Amber.Data.Iemocap;

/// <summary>
/// Reads one top-level EmoEvaluation file. Categorical lines are cut at the first '(' (labels never contain one) rather
/// than on whitespace, because comments hold spaces and semicolons; an empty selection (<c>C-F2:\t;\t()</c>) is kept as
/// a line with no labels. Attribute (<c>A-</c>) lines are checked for shape; the summary line already carries their mean.
/// </summary>
internal static partial class EmoEvaluationParser
{
    public static List<EvaluationBlock> Parse(string path, bool lenient, LoadReport report)
    {
        var blocks = new List<EvaluationBlock>();
        EvaluationBlock? current = null;
        bool skippingBrokenBlock = false;
        int lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0)
            {
                current = null;
                skippingBrokenBlock = false;
                continue;
            }
            if (line.StartsWith('%')) continue;
            try
            {
                if (line.StartsWith('['))
                {
                    skippingBrokenBlock = false;
                    current = ParseSummary(path, lineNo, line);
                    blocks.Add(current);
                }
                else if (line.StartsWith("C-", StringComparison.Ordinal) || line.StartsWith("A-", StringComparison.Ordinal))
                {
                    if (skippingBrokenBlock) continue;
                    if (current is null)
                    {
                        throw new DataFormatException(path, lineNo, line, "block", null,
                            "an evaluator line to follow a summary line '[start - end]<TAB>id<TAB>code<TAB>[V, A, D]'");
                    }
                    if (line[0] == 'C') current.Selections.Add(ParseCategorical(path, lineNo, line));
                    else ParseAttribute(path, lineNo, line);
                }
                else
                {
                    throw new DataFormatException(path, lineNo, line, "line kind", line.Length > 12 ? line[..12] : line,
                        "a '%' header, a summary line starting with '[', a 'C-<who>:' or 'A-<who>:' line, or a blank line");
                }
            }
            catch (DataFormatException e) when (lenient)
            {
                report.AddMalformed(e);
                if (line.StartsWith('['))
                {
                    current = null;
                    skippingBrokenBlock = true;
                }
            }
        }
        return blocks;
    }

    private static EvaluationBlock ParseSummary(string path, int lineNo, string line)
    {
        var m = Summary().Match(line);
        if (!m.Success)
        {
            throw new DataFormatException(path, lineNo, line, "summary line", line,
                "'[start - end]<TAB>utterance id<TAB>consensus code<TAB>[V, A, D]' e.g. '[6.2901 - 8.2357]<TAB>Ses01F_impro01_F000<TAB>neu<TAB>[2.5000, 2.5000, 2.5000]'");
        }
        var code = m.Groups["code"].Value;
        if (!IemocapOptions.ConsensusCodes.ContainsKey(code))
        {
            throw new DataFormatException(path, lineNo, line, "consensus code", code,
                "one of " + string.Join(' ', IemocapOptions.ConsensusCodes.Keys));
        }
        var id = m.Groups["id"].Value;
        if (UtteranceId.TryParse(id) is null)
        {
            throw new DataFormatException(path, lineNo, line, "utterance id", id, "an id like Ses01F_impro01_F000 (last token: speaker gender letter + 3 characters)");
        }
        double P(string g) => double.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture);
        return new EvaluationBlock(id, P("start"), P("end"), code, [P("v"), P("a"), P("d")], lineNo);
    }

    private static (string Who, List<string> Labels) ParseCategorical(string path, int lineNo, string line)
    {
        int colon = line.IndexOf(':', StringComparison.Ordinal);
        if (colon < 3)
        {
            throw new DataFormatException(path, lineNo, line, "evaluator", line, "'C-<who>:' such as 'C-E2:' or 'C-F1:' at the start of the line");
        }
        var who = line[2..colon];
        if (!Evaluator().IsMatch(who))
        {
            throw new DataFormatException(path, lineNo, line, "evaluator", who, "E<n> (external), F<n> or M<n> (self-evaluation)");
        }
        var rest = line[(colon + 1)..];
        int paren = rest.IndexOf('(', StringComparison.Ordinal);
        var selection = paren >= 0 ? rest[..paren] : rest;
        if (paren >= 0 && !rest.TrimEnd().EndsWith(')'))
        {
            throw new DataFormatException(path, lineNo, line, "comment", rest[paren..], "a comment in parentheses ending the line, e.g. '(curious)' or '()'");
        }
        var labels = new List<string>();
        foreach (var part in selection.Split(';'))
        {
            var label = part.Trim();
            if (label.Length > 0) labels.Add(label);
        }
        if (labels.Count > 0 && !selection.TrimEnd().EndsWith(';'))
        {
            throw new DataFormatException(path, lineNo, line, "labels", selection.Trim(), "each label to end with ';', e.g. 'Neutral;' or 'Anger; Frustration;'");
        }
        return (who, labels);
    }

    private static void ParseAttribute(string path, int lineNo, string line)
    {
        if (!Attribute().IsMatch(line))
        {
            throw new DataFormatException(path, lineNo, line, "attributes", line,
                "'A-<who>:<TAB>val N; act N; dom  N;<TAB>(comment)' with integers 1–5");
        }
    }

    [GeneratedRegex(@"^\[\s*(?<start>\d+(\.\d+)?)\s*-\s*(?<end>\d+(\.\d+)?)\s*\]\s+(?<id>\S+)\s+(?<code>\S+)\s+\[\s*(?<v>\d+(\.\d+)?)\s*,\s*(?<a>\d+(\.\d+)?)\s*,\s*(?<d>\d+(\.\d+)?)\s*\]\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex Summary();

    [GeneratedRegex(@"^(E|F|M)\d+$", RegexOptions.CultureInvariant)]
    private static partial Regex Evaluator();

    [GeneratedRegex(@"^A-(E|F|M)\d+:\s*val\s+\d+;\s*act\s+\d+;\s*dom\s+\d+;\s*(\(.*\))?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex Attribute();
}
