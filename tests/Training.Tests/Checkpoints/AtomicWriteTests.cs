using Amber.Training.Checkpoints;

namespace Amber.Training.Tests.Checkpoints;

/// <summary>A failed checkpoint write leaves the previous file intact and no temporary file behind.</summary>
public sealed class AtomicWriteTests
{
    [Fact]
    public void A_write_that_fails_midway_keeps_the_old_checkpoint()
    {
        var directory = Directory.CreateTempSubdirectory("amber-atomic-");
        try
        {
            var path = Path.Combine(directory.FullName, "run.ckpt");
            CheckpointFormat.WriteFileAtomically(path, s => s.Write("old"u8));
            Assert.Throws<IOException>(() => CheckpointFormat.WriteFileAtomically(path, s =>
            {
                s.Write("new but cut"u8);
                throw new IOException("disk full");
            }));
            Assert.Equal("old"u8.ToArray(), File.ReadAllBytes(path));
            Assert.Single(Directory.GetFiles(directory.FullName));
            CheckpointFormat.WriteFileAtomically(path, s => s.Write("new"u8));
            Assert.Equal("new"u8.ToArray(), File.ReadAllBytes(path));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
