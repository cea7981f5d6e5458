namespace Amber.Storage.Blobs.Azure;

/// <summary>
/// A blob download that survives a dropped connection: when reading the body fails, it asks for the rest
/// (<c>Range: bytes=position-</c>, <c>If-Match</c> the version being read) and carries on, up to a number of times.
/// Disposing it releases the HTTP response.
/// </summary>
internal sealed class ResumingDownloadStream(
    HttpResponseMessage response, Stream body, long length, int maxResumes,
    Func<long, CancellationToken, Task<(HttpResponseMessage Response, Stream Body)>> reopen) : Stream
{
    private HttpResponseMessage _response = response;
    private Stream _body = body;
    private long _position;

    /// <summary>How many times the download was resumed.</summary>
    public int Resumes { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get => _position; set => throw new NotSupportedException("download streams are forward-only"); }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            try
            {
                int n = await _body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (n == 0 && _position < length && !buffer.IsEmpty)
                    throw new IOException($"the connection ended after {_position} of {length} bytes");
                _position += n;
                return n;
            }
            catch (Exception e) when (e is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested && Resumes < maxResumes)
            {
                Resumes++;
                _body.Dispose();
                _response.Dispose();
                (_response, _body) = await reopen(_position, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("download streams are forward-only");
    public override void SetLength(long value) => throw new NotSupportedException("download streams are read-only");
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("download streams are read-only");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _body.Dispose();
            _response.Dispose();
        }
        base.Dispose(disposing);
    }
}
