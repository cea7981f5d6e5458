using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Amber.Storage.Blobs.Azure;

/// <summary>
/// Signs requests with the Blob service's Shared Key scheme: HMAC-SHA256 of the verb, standard headers, canonicalized
/// x-ms-* headers and canonicalized resource (account + path + sorted query parameters), base64 in the Authorization header.
/// </summary>
public static class SharedKeySigner
{
    /// <summary>Builds the string-to-sign for <paramref name="request"/> (public so tests can check it piece by piece).</summary>
    public static string StringToSign(HttpRequestMessage request, string accountName)
    {
        var content = request.Content?.Headers;
        long? length = content?.ContentLength;
        var sb = new StringBuilder();
        sb.Append(request.Method.Method).Append('\n');
        sb.Append(Join(content?.ContentEncoding)).Append('\n');
        sb.Append(Join(content?.ContentLanguage)).Append('\n');
        // Since version 2015-02-21 a zero length is signed as the empty string.
        sb.Append(length is > 0 ? length.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) : "").Append('\n');
        sb.Append(content?.ContentMD5 is { } md5 ? Convert.ToBase64String(md5) : "").Append('\n');
        sb.Append(content?.ContentType?.ToString() ?? "").Append('\n');
        sb.Append('\n'); // Date: x-ms-date is used instead
        sb.Append(Header(request, "If-Modified-Since")).Append('\n');
        sb.Append(Header(request, "If-Match")).Append('\n');
        sb.Append(Header(request, "If-None-Match")).Append('\n');
        sb.Append(Header(request, "If-Unmodified-Since")).Append('\n');
        sb.Append(Header(request, "Range")).Append('\n');

        var msHeaders = request.Headers
            .Where(h => h.Key.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
            .Select(h => (Name: h.Key.ToLowerInvariant(), Value: string.Join(",", h.Value).Trim()))
            .OrderBy(h => h.Name, StringComparer.Ordinal);
        foreach (var (name, value) in msHeaders) sb.Append(name).Append(':').Append(value).Append('\n');

        var uri = request.RequestUri!;
        sb.Append('/').Append(accountName).Append(uri.AbsolutePath);
        var query = uri.Query.TrimStart('?');
        if (query.Length > 0)
        {
            var parameters = query.Split('&', StringSplitOptions.RemoveEmptyEntries)
                .Select(p => p.Split('=', 2))
                .GroupBy(p => Uri.UnescapeDataString(p[0]).ToLowerInvariant(), StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal);
            foreach (var g in parameters)
            {
                var values = g.Select(p => p.Length > 1 ? Uri.UnescapeDataString(p[1].Replace('+', ' ')) : "").Order(StringComparer.Ordinal);
                sb.Append('\n').Append(g.Key).Append(':').Append(string.Join(",", values));
            }
        }
        return sb.ToString();
    }

    /// <summary>Adds the Authorization header.</summary>
    public static void Sign(HttpRequestMessage request, string accountName, byte[] key)
    {
        var signature = Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(StringToSign(request, accountName))));
        request.Headers.Authorization = new AuthenticationHeaderValue("SharedKey", accountName + ":" + signature);
    }

    private static string Join(ICollection<string>? values) => values is null || values.Count == 0 ? "" : string.Join(",", values);

    private static string Header(HttpRequestMessage request, string name) =>
        request.Headers.TryGetValues(name, out var v) ? string.Join(",", v) : "";
}
