using Amber.Data.Protocols;

namespace Amber.Data.Tests.Protocols;

public class FoldsTests
{
    // 5 sessions × 2 speakers, uneven sizes.
    private static (int[] Sessions, string[] Speakers) Layout()
    {
        var sessions = new List<int>();
        var speakers = new List<string>();
        for (int s = 1; s <= 5; s++)
        {
            for (int k = 0; k < 20 + 3 * s; k++)
            {
                sessions.Add(s);
                speakers.Add($"Ses0{s}_{(k % 3 == 0 ? "M" : "F")}");
            }
        }
        return ([.. sessions], [.. speakers]);
    }

    [Fact]
    public void Loso_tests_each_session_once_with_disjoint_sets_covering_all_rows()
    {
        var (sessions, speakers) = Layout();
        var folds = Folds.LeaveOneSessionOut(sessions, speakers, seed: 1);
        Assert.Equal(5, folds.Count);
        Assert.Equal(Enumerable.Range(0, sessions.Length), folds.SelectMany(f => f.Test).Order());
        foreach (var (f, s) in folds.Select((f, i) => (f, i + 1)))
        {
            Assert.Equal($"session{s}", f.Name);
            Assert.All(f.Test, i => Assert.Equal(s, sessions[i]));
            Assert.All(f.Train.Concat(f.Validation), i => Assert.NotEqual(s, sessions[i]));
            Assert.Equal(sessions.Length, f.Train.Length + f.Validation.Length + f.Test.Length);
            Assert.Empty(f.Train.Intersect(f.Validation));
            int pool = sessions.Length - f.Test.Length;
            Assert.Equal((int)Math.Round(0.2 * pool), f.Validation.Length);
            Assert.Empty(f.Train.Select(i => speakers[i]).Intersect(f.Test.Select(i => speakers[i])));
        }
    }

    [Fact]
    public void Validation_draw_depends_on_the_seed_only()
    {
        var (sessions, speakers) = Layout();
        var a = Folds.LeaveOneSessionOut(sessions, speakers, seed: 3);
        var b = Folds.LeaveOneSessionOut(sessions, speakers, seed: 3);
        var c = Folds.LeaveOneSessionOut(sessions, speakers, seed: 4);
        Assert.Equal(a[0].Validation, b[0].Validation);
        Assert.NotEqual(a[0].Validation, c[0].Validation);
    }

    [Fact]
    public void Speaker_disjoint_validation_holds_whole_speakers()
    {
        var (sessions, speakers) = Layout();
        foreach (var f in Folds.LeaveOneSessionOut(sessions, speakers, seed: 2, validation: ValidationSplit.SpeakerDisjoint))
        {
            Assert.NotEmpty(f.Validation);
            Assert.Empty(f.Train.Select(i => speakers[i]).Intersect(f.Validation.Select(i => speakers[i])));
        }
    }

    [Fact]
    public void Speaker_crossing_train_and_test_is_rejected_by_name()
    {
        var fold = new FoldSplit("bad", [0, 1], [], [2]);
        var e = Assert.Throws<InvalidOperationException>(() => Folds.AssertSpeakerIndependent(fold, ["a", "b", "b"]));
        Assert.Contains("'b'", e.Message);
        Assert.Throws<InvalidOperationException>(() => Folds.AssertSpeakerIndependent(new FoldSplit("overlap", [0], [], [0]), ["a"]));
    }

    [Fact]
    public void Official_split_uses_train_development_and_the_named_test_set()
    {
        string[] splits = ["Train", "Development", "Test1", "Train", "Test2", "Test1"];
        string[] speakers = ["s1", "s2", "s3", "s1", "s4", "s5"];
        var f = Folds.Official(splits, speakers);
        Assert.Equal([0, 3], f.Train);
        Assert.Equal([1], f.Validation);
        Assert.Equal([2, 5], f.Test);
        Assert.Equal([4], Folds.Official(splits, speakers, test: "Test2").Test);
        Assert.Throws<InvalidOperationException>(() => Folds.Official(splits, ["s1", "s2", "s1", "s1", "s4", "s5"]));
        Assert.Contains("Test3", Assert.Throws<ArgumentException>(() => Folds.Official(splits, speakers, test: "Test3")).Message);
    }
}
