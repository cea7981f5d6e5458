using System.Text.RegularExpressions;

namespace Amber.Data.Iemocap;

/// <summary>
/// The parts of an IEMOCAP utterance id such as <c>Ses01F_impro01_F000</c>. The speaker's gender is the letter of the
/// last token (<c>_F000</c>): the letter after the session digits only says whose recording session it is, and counting
/// genders by it is a known mistake.
/// </summary>
/// <param name="Session">1–5.</param>
/// <param name="Dialog">Everything before the last '_' (<c>Ses01F_impro01</c>).</param>
/// <param name="Gender"><c>F</c> or <c>M</c>, from the last token.</param>
/// <param name="IsUnlabelledTurn">The last token holds <c>XX</c> (turns without evaluation).</param>
public sealed partial record UtteranceId(int Session, string Dialog, string Gender, bool IsUnlabelledTurn)
{
    /// <summary>Speaker id: <c>Ses0n_F</c>.</summary>
    public string Speaker => $"Ses{Session:00}_{Gender}";

    /// <summary>Parses an id, or returns null when it does not have the IEMOCAP shape.</summary>
    public static UtteranceId? TryParse(string id)
    {
        var m = Shape().Match(id);
        if (!m.Success) return null;
        var last = m.Groups["last"].Value;
        return new UtteranceId(int.Parse(m.Groups["session"].Value, System.Globalization.CultureInfo.InvariantCulture),
            m.Groups["dialog"].Value, m.Groups["gender"].Value, last.Contains("XX", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^(?<dialog>Ses(?<session>\d\d)[FM]_[A-Za-z0-9_]+?)_(?<gender>[FM])(?<last>[0-9X]{3})$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
