import { FsObjectStore } from '../../src/store/fs.js';
import { tempDir } from '../helpers/tmp.js';
import { objectStoreConformance } from './conformance.js';

const root = tempDir();
let n = 0;
objectStoreConformance('fs', async () => new FsObjectStore(`${root}/${n++}`));
