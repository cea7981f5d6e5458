namespace Amber.Storage.Blobs.Azure;

/// <summary>The response body stream that also releases the response when disposed.</summary>
internal sealed class HttpResponseStream(Stream inner, HttpResponseMessage response) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => response.Content.Headers.ContentLength ?? throw new NotSupportedException("the response has no Content-Length");
    public override long Position { get => throw new NotSupportedException("download streams are forward-only"); set => throw new NotSupportedException("download streams are forward-only"); }
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
    public override int Read(Span<byte> buffer) => inner.Read(buffer);
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("download streams are forward-only");
    public override void SetLength(long value) => throw new NotSupportedException("download streams are read-only");
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("download streams are read-only");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            response.Dispose();
        }
        base.Dispose(disposing);
    }
}
