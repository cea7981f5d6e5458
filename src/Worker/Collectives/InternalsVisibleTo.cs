using System.Runtime.CompilerServices;

// The tests speak the ring handshake directly (a stale connection from another gang).
[assembly: InternalsVisibleTo("Amber.Worker.Tests")]
