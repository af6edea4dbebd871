/** The stylesheet is imported as text by mod/launcher/assets.ts (Bun import attribute). */
declare module "*.css" {
  const text: string;
  export default text;
}
