import { MemoryCatalog } from '../../lambdas/adapters/memory/memory-catalog';
import { describeCatalogContract } from '../support/catalog-contract';

describeCatalogContract('MemoryCatalog', async () => new MemoryCatalog());
