/** A `.ttf` import is a Data module: the file's bytes. */
declare module "*.ttf" {
  const bytes: ArrayBuffer;
  export default bytes;
}
