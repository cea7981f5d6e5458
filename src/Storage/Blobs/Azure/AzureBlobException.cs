using System.Net;

namespace Amber.Storage.Blobs.Azure;

/// <summary>The Blob service refused a request; carries its status, error code and request id (never a secret).</summary>
public sealed class AzureBlobException : IOException
{
    /// <summary>Creates the exception; <paramref name="serviceMessage"/> must already be free of secrets (the store masks it).</summary>
    public AzureBlobException(string operation, string blobName, HttpStatusCode status, string? errorCode, string? serviceMessage, string? requestId)
        : base(
            $"Azure Blob {operation} '{blobName}' failed: HTTP {(int)status} {status}, error code {errorCode ?? "(none)"}" +
            (string.IsNullOrWhiteSpace(serviceMessage) ? "" : $": {serviceMessage.Split('\n')[0].Trim()}") +
            (requestId is null ? "" : $" (request id {requestId})"))
    {
        Operation = operation;
        BlobName = blobName;
        StatusCode = status;
        ErrorCode = errorCode;
        RequestId = requestId;
    }

    /// <summary>What was attempted (put, get, list, …).</summary>
    public string Operation { get; }

    /// <summary>The blob or prefix involved.</summary>
    public string BlobName { get; }

    /// <summary>HTTP status.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The service's error code (x-ms-error-code), e.g. AuthenticationFailed, InvalidBlockList.</summary>
    public string? ErrorCode { get; }

    /// <summary>The service's request id, for support.</summary>
    public string? RequestId { get; }
}
