namespace Amber.Storage.Blobs;

/// <summary>Checks shared by every store, so both backends accept and refuse the same inputs.</summary>
public static class BlobMetadata
{
    /// <summary>Content type used when a write names none.</summary>
    public const string DefaultContentType = "application/octet-stream";

    /// <summary>
    /// Throws unless every key is a C# identifier (letters, digits, '_', not starting with a digit): Azure stores metadata
    /// as HTTP headers named after the key, and this keeps keys portable between stores.
    /// </summary>
    public static void Validate(IReadOnlyDictionary<string, string>? metadata, string blobName)
    {
        if (metadata is null) return;
        foreach (var (key, value) in metadata)
        {
            bool ok = key.Length > 0 && (char.IsAsciiLetter(key[0]) || key[0] == '_') && key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
            if (!ok) throw new ArgumentException($"blob '{blobName}': metadata key '{key}' is not an identifier (ASCII letters, digits, '_'; not starting with a digit)", nameof(metadata));
            if (value is null || value.Any(c => c < 0x20 || c > 0x7E))
                throw new ArgumentException($"blob '{blobName}': metadata value of '{key}' must be printable ASCII (it travels as an HTTP header)", nameof(metadata));
        }
    }
}
