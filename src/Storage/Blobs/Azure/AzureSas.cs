using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Amber.Storage.Blobs.Azure;

/// <summary>Creates account SAS tokens (signed version 2021-08-06) for handing scoped, expiring access to a process.</summary>
public static class AzureSas
{
    /// <summary>Signed version of the tokens made here.</summary>
    public const string SignedVersion = "2021-08-06";

    /// <summary>
    /// An account SAS for the Blob service. <paramref name="permissions"/> uses Azure's letters in order
    /// (r read, w write, d delete, l list, a add, c create); resource types: s service, c container, o object.
    /// </summary>
    public static string CreateAccountSas(string accountName, string base64Key, DateTimeOffset expiresOn,
        string permissions = "rwdlac", string resourceTypes = "sco", string protocol = "https,http")
    {
        var expiry = expiresOn.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        // Account SAS string-to-sign from version 2020-12-06 on: one line per field, the encryption scope (empty here),
        // and a final newline.
        var stringToSign = string.Join("\n", accountName, permissions, "b", resourceTypes, "", expiry, "", protocol, SignedVersion, "", "");
        var sig = Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(base64Key), Encoding.UTF8.GetBytes(stringToSign)));
        return $"sv={SignedVersion}&ss=b&srt={resourceTypes}&sp={permissions}&se={Uri.EscapeDataString(expiry)}&spr={Uri.EscapeDataString(protocol)}&sig={Uri.EscapeDataString(sig)}";
    }
}
