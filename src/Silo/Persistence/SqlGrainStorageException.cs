namespace Amber.Silo.Persistence;

/// <summary>
/// A grain state could not be read, written or cleared for a reason other than a lost ETag check (which throws Orleans'
/// <c>InconsistentStateException</c>). The message names the provider, the database, the grain type and key; it never
/// holds the state's payload nor a connection string.
/// </summary>
public sealed class SqlGrainStorageException : Exception
{
    /// <summary>An error with its message.</summary>
    public SqlGrainStorageException(string message) : base(message) { }

    /// <summary>An error with its message and the database error behind it.</summary>
    public SqlGrainStorageException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>An empty error (for serializers).</summary>
    public SqlGrainStorageException() { }
}
