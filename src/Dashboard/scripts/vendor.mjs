// Copies the browser builds of the npm dependencies into wwwroot/vendor, where the dashboard loads them from (no CDN).
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const vendor = join(root, 'wwwroot', 'vendor');
rmSync(vendor, { recursive: true, force: true });
mkdirSync(join(vendor, 'hyparquet'), { recursive: true });
cpSync(join(root, 'node_modules', 'echarts', 'dist', 'echarts.min.js'), join(vendor, 'echarts.min.js'));
cpSync(join(root, 'node_modules', 'hyparquet', 'src'), join(vendor, 'hyparquet'), {
  recursive: true,
  filter: src => !src.endsWith('node.js') && !src.endsWith('.d.ts'),
});
for (const lic of ['echarts', 'hyparquet']) cpSync(join(root, 'node_modules', lic, 'LICENSE'), join(vendor, `${lic}.LICENSE.txt`));
console.log(`vendored echarts and hyparquet into ${vendor}`);
