/**
 * Vocabulary for the benchmark's generated "random text": words drawn uniformly from this list compress about like
 * prose (zstd -1 ≈ 3×), unlike md5 hex (≈ 2×) or repeated strings (≈ 100×), which would flatter or punish zstd.
 */
export const WORDS = (
  'the of and to in is that it for on was with as be at by this had not are but from or have an they which one ' +
  'you were her all she there would their we him been has when who will more no if out so said what up its about ' +
  'into than them can only other new some could time these two may then do first any my now such like our over ' +
  'man me even most made after also did many before must through back years where much your way well down should ' +
  'because each just those people how too little state good very make world still own see men work long get here ' +
  'between both life being under never day same another know while last might us great old year off come since ' +
  'against go came right used take three invoice order customer payment refund shipment account balance report ' +
  'server backup restore vault archive table column index query schema tenant policy retention snapshot volume'
).split(' ');

/** Size labels for database names: 2 → "2gb", 0.5 → "0_5gb". */
export function sizeLabel(gb: number): string {
  return `${String(gb).replace('.', '_')}gb`;
}

export const GB = 1024 ** 3;
export const MB = 1024 ** 2;
