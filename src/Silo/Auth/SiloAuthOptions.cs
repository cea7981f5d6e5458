namespace Amber.Silo.Auth;

/// <summary>The tokens a silo's HTTP API accepts. Tokens are compared as SHA-256 hashes in constant time and never logged.</summary>
public sealed class SiloAuthOptions
{
    /// <summary>Bearer tokens of users (submit, cancel, read). At least one is needed for the API to be usable.</summary>
    public IReadOnlyList<string> UserTokens { get; set; } = [];
}
