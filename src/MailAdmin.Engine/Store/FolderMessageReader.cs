namespace MailAdmin.Store;

/// <summary>The store's <see cref="IMessageReader"/>: an open folder, already resolved.</summary>
internal sealed class FolderMessageReader : IMessageReader
{
    private readonly FolderBase folder;

    internal FolderMessageReader(FolderBase folder) => this.folder = folder;

    public byte[]? Read(uint uid) => folder.Read(uid);
}
