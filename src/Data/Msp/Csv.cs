using System.Text;

namespace Amber.Data.Msp;

/// <summary>Splits one CSV line (RFC 4180 quoting, <c>""</c> inside quotes); returns null when a quote is left open.</summary>
internal static class Csv
{
    public static List<string>? Split(string line)
    {
        var fields = new List<string>();
        var sb = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else sb.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(sb.ToString()); sb.Clear(); }
            else sb.Append(c);
        }
        if (quoted) return null;
        fields.Add(sb.ToString());
        return fields;
    }
}
